package h1server

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey struct{}

// reqContext keeps context.WithCancel's contract.
func TestReqContext(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	c := newReqContext(parent)
	if c.Err() != nil || c.Value(ctxKey{}) != "v" {
		t.Fatalf("fresh: err %v, value %v", c.Err(), c.Value(ctxKey{}))
	}
	if _, ok := c.Deadline(); ok {
		t.Fatal("deadline")
	}
	done := c.Done()
	select {
	case <-done:
		t.Fatal("done before cancel")
	default:
	}

	ran := make(chan string, 4)
	stopA := context.AfterFunc(c, func() { ran <- "a" })
	stopB := context.AfterFunc(c, func() { ran <- "b" })
	if !stopB() || stopB() {
		t.Fatal("stop of a registered function: true once, then false")
	}
	child, cancelChild := context.WithTimeout(c, time.Hour)
	defer cancelChild()
	grandchild, cancelGrandchild := context.WithCancel(child)
	defer cancelGrandchild()

	c.cancel()
	c.cancel()
	<-done
	if !errors.Is(c.Err(), context.Canceled) || context.Cause(c) != context.Canceled {
		t.Fatalf("after cancel: err %v, cause %v", c.Err(), context.Cause(c))
	}
	if got := <-ran; got != "a" {
		t.Fatalf("ran %q", got)
	}
	if stopA() {
		t.Fatal("stop after the function ran reported true")
	}
	select {
	case <-grandchild.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("children not cancelled with the request")
	}
	if !errors.Is(child.Err(), context.Canceled) {
		t.Fatalf("child: %v", child.Err())
	}
	select {
	case got := <-ran:
		t.Fatalf("stopped function ran: %q", got)
	default:
	}

	// Registered after the cancel: runs at once.
	context.AfterFunc(c, func() { ran <- "late" })
	if got := <-ran; got != "late" {
		t.Fatalf("ran %q", got)
	}
	// Done asked for only after the cancel is closed too.
	late := newReqContext(parent)
	late.cancel()
	<-late.Done()
}

// A child of a request context costs no goroutine of its own.
func BenchmarkReqContextChild(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c := newReqContext(context.Background())
		_ = c.Done()
		stop := context.AfterFunc(c, func() {})
		stop()
		c.cancel()
	}
}
