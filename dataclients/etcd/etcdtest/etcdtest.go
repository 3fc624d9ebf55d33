// Package etcdtest runs a real etcd server inside the test process, on
// loopback ports, for tests of code that talks to etcd.
//
//	srv := etcdtest.Start(t)
//	c, _ := etcd.New(etcd.Options{Endpoints: srv.Endpoints()})
//
// Outage tests stop the server and start it again with its data and at the
// same endpoints: etcdtest.Stop(t, srv), then etcdtest.Restart(t, srv).
package etcdtest

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
)

// Start starts a single-member etcd server with its data in a temporary
// directory of t, on free loopback ports, and stops it when t ends. Its
// log goes to the test's log.
func Start(t testing.TB) *etcd.Embedded {
	t.Helper()
	e, err := etcd.StartEmbedded(filepath.Join(t.TempDir(), "etcd"), Logger(t))
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("etcdtest: %v", err)
		}
	})
	return e
}

// Stop stops the server and waits until it has; its clients see an
// outage until Restart.
func Stop(t testing.TB, e *etcd.Embedded) {
	t.Helper()
	if err := e.Stop(); err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
}

// Restart starts a stopped server again, with the data it had and at the
// same endpoints, and returns once it serves requests.
func Restart(t testing.TB, e *etcd.Embedded) {
	t.Helper()
	if err := e.Start(); err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
}

// Client returns a plain etcd client of the server, for a test to write
// and read keys behind the back of the code under test. It is closed when
// t ends.
func Client(t testing.TB, e *etcd.Embedded) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   e.Endpoints(),
		DialTimeout: 5 * time.Second,
		Logger:      etcd.ZapLogger(Logger(t)),
	})
	if err != nil {
		t.Fatalf("etcdtest: etcd client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Logger returns a logger writing to t's log until t ends; what is logged
// later (by a goroutine not yet stopped) is dropped instead of failing the
// test run.
func Logger(t testing.TB) logrus.FieldLogger {
	w := &testWriter{t: t}
	// Registered first, so it runs after every other cleanup of t, which
	// may still log while stopping servers and clients.
	t.Cleanup(w.close)
	log := logrus.New()
	log.SetOutput(w)
	log.SetLevel(logrus.InfoLevel)
	return log
}

type testWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}
