package listener

import (
	"io"
	"net"
	"testing"
	"time"
)

// dial opens a client connection and sends its name, so that the server
// side can tell connections apart.
func dial(t *testing.T, ln net.Listener, name string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	io.WriteString(c, name)
	return c
}

// accept returns the name of the next connection Accept hands out.
func accept(t *testing.T, ln net.Listener) (net.Conn, string) {
	t.Helper()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 1)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return c, string(b)
}

// waitQueued waits until n connections wait in q.
func waitQueued(t *testing.T, ln net.Listener, n int) {
	t.Helper()
	q := ln.(*queueListener)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		q.mu.Lock()
		l := len(q.queue)
		q.mu.Unlock()
		if l == n {
			return
		}
	}
	t.Fatalf("never %d connections waiting", n)
}

// closedByServer reports whether the server side closed c.
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestQueueNewestFirst(t *testing.T) {
	ln := Queue(listen(t), QueueOptions{MaxConcurrency: 1})
	defer ln.Close()
	dial(t, ln, "a")
	waitQueued(t, ln, 1)
	first, name := accept(t, ln)
	if name != "a" {
		t.Fatalf("first %q", name)
	}
	dial(t, ln, "b")
	dial(t, ln, "c")
	waitQueued(t, ln, 2)

	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		b := make([]byte, 1)
		io.ReadFull(c, b)
		got <- string(b)
		c.Close()
	}()
	select {
	case n := <-got:
		t.Fatalf("Accept returned %q while the only slot is taken", n)
	case <-time.After(50 * time.Millisecond):
	}
	if a := ln.(*queueListener).Active(); a != 1 {
		t.Errorf("active %d", a)
	}
	first.Close()
	first.Close() // frees the slot once
	if n := <-got; n != "c" {
		t.Errorf("after the slot freed Accept returned %q, want the newest, c", n)
	}
	_, name = accept(t, ln)
	if name != "b" {
		t.Errorf("then %q, want b", name)
	}
}

func TestQueueFullDropsOldest(t *testing.T) {
	ln := Queue(listen(t), QueueOptions{MaxConcurrency: 1, MaxQueue: 2})
	defer ln.Close()
	dial(t, ln, "a")
	waitQueued(t, ln, 1)
	busy, _ := accept(t, ln)
	defer busy.Close()
	b := dial(t, ln, "b")
	waitQueued(t, ln, 1)
	dial(t, ln, "c")
	waitQueued(t, ln, 2)
	dial(t, ln, "d")
	waitQueued(t, ln, 2)
	if !closedByServer(b) {
		t.Error("the oldest waiting connection is still open with the queue over its length")
	}
}

func TestQueueTimeout(t *testing.T) {
	ln := Queue(listen(t), QueueOptions{MaxConcurrency: 1, Timeout: 30 * time.Millisecond})
	defer ln.Close()
	dial(t, ln, "a")
	waitQueued(t, ln, 1)
	busy, _ := accept(t, ln)
	b := dial(t, ln, "b")
	waitQueued(t, ln, 1)
	// A waiting Accept closes the connection when it has waited too long.
	res := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if c != nil {
			c.Close()
		}
		res <- err
	}()
	if !closedByServer(b) {
		t.Error("a connection that waited longer than the timeout is still open")
	}
	waitQueued(t, ln, 0)
	ln.Close()
	if err := <-res; err == nil {
		t.Error("Accept returned a connection after Close")
	}
	busy.Close()
}

func TestQueueClose(t *testing.T) {
	ln := Queue(listen(t), QueueOptions{MaxConcurrency: 1})
	dial(t, ln, "a")
	waitQueued(t, ln, 1)
	busy, _ := accept(t, ln)
	w := dial(t, ln, "b")
	waitQueued(t, ln, 1)
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if !closedByServer(w) {
		t.Error("a waiting connection outlived Close")
	}
	if _, err := ln.Accept(); err == nil {
		t.Error("Accept after Close")
	}
	busy.Close() // handed-out connections stay usable; closing frees nothing more
	if ln.Close() != nil {
		// the second Close is a no-op
	}
}

func TestQueueLimits(t *testing.T) {
	for _, tc := range []struct {
		o           QueueOptions
		conc, queue int
	}{
		{QueueOptions{MaxConcurrency: 100}, 100, 1000},
		{QueueOptions{MaxConcurrency: 10_000}, 10_000, MaxDerivedQueue},
		{QueueOptions{MaxConcurrency: 3, MaxQueue: 7}, 3, 7},
		{QueueOptions{memoryLimit: 150_000_000, ExpectedBytesPerRequest: 50_000}, 3000, 30000},
		{QueueOptions{memoryLimit: 1 << 40}, (1 << 32) / DefaultExpectedBytesPerRequest, MaxDerivedQueue},
		{QueueOptions{memoryLimit: 10, ExpectedBytesPerRequest: 100}, 1, 10},
	} {
		c, q := tc.o.Limits()
		if c != tc.conc || q != tc.queue {
			t.Errorf("%+v: %d, %d; want %d, %d", tc.o, c, q, tc.conc, tc.queue)
		}
	}
}
