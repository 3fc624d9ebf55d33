package etcd_test

import (
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/sirupsen/logrus"
	"go.uber.org/goleak"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
)

// shared is one etcd server for the tests that do not stop theirs; each
// keeps its keys under its own prefix. Starting a server takes up to a
// second.
var shared *etcd.Embedded

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "etcd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	quiet := logrus.New()
	quiet.SetOutput(io.Discard)
	shared, err = etcd.StartEmbedded(dir, quiet)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if err := shared.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	return code
}
