// Package exampletest runs an example binary the way an operator would, for
// the examples' end-to-end tests: built with go build, started on a free
// loopback port, stopped with SIGTERM.
package exampletest

import (
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Build compiles the package in the test's directory and returns the
// binary's path.
func Build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "example")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// FreeAddress is a loopback address nothing listens on right now.
func FreeAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Start starts cmd; at the end of the test it sends SIGTERM and fails the
// test unless the process exits cleanly within 10s.
func Start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("exit after SIGTERM: %v", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Error("no exit 10s after SIGTERM")
		}
	})
}

// WaitServing polls url until it answers, for up to 10s.
func WaitServing(t *testing.T, client *http.Client, url string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rsp, err := client.Get(url)
		if err == nil {
			rsp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not serving: %v", err)
		}
	}
}
