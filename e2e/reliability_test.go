package e2e

// The reliability suite: what a client or backend that misbehaves (by
// accident or on purpose) must not be able to do to skiff or to other
// clients. Each test pins one finding of a hardening review.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
)

// dialInstance opens a raw TCP connection to the proxy listener.
func dialInstance(t *testing.T, in *instance) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// upgradeThrough opens a WebSocket-style relay through in to an echo
// backend and checks it echoes.
func upgradeThrough(t *testing.T, in *instance) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn := dialInstance(t, in)
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	rsp, err := http.ReadResponse(br, nil)
	if err != nil || rsp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", rsp, err)
	}
	echoOnce(t, conn, br, "hello")
	return conn, br
}

func echoOnce(t *testing.T, conn net.Conn, br *bufio.Reader, msg string) {
	t.Helper()
	if _, err := io.WriteString(conn, msg); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != msg {
		t.Fatalf("echo of %q: %q %v", msg, got, err)
	}
}

// TestShutdownGivesWebSocketsTheGrace: after the listener closed, an
// upgraded connection keeps working for the shutdown timeout, and Run
// returns as soon as it ends, not before.
func TestShutdownGivesWebSocketsTheGrace(t *testing.T) {
	ws := newBackend(t, "ws", echoUpgrade)
	in := start(t, routes(fmt.Sprintf(`ws: Path("/ws") -> %q;`, ws.URL)),
		skiff.Options{ShutdownTimeout: 10 * time.Second})
	conn, br := upgradeThrough(t, in)

	in.stopped = true // this test waits for Run itself
	in.cancel()
	// The listener closes at once (no drain period in these tests)...
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	// ... while the relay goes on, and Run waits for it.
	time.Sleep(300 * time.Millisecond)
	echoOnce(t, conn, br, "still here during shutdown")
	select {
	case err := <-in.done:
		t.Fatalf("Run returned (%v) with a WebSocket open and grace left", err)
	default:
	}
	conn.Close()
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the last WebSocket closed")
	}
}

// TestShutdownTimeoutCutsWebSockets: the grace is bounded.
func TestShutdownTimeoutCutsWebSockets(t *testing.T) {
	ws := newBackend(t, "ws", echoUpgrade)
	in := start(t, routes(fmt.Sprintf(`ws: Path("/ws") -> %q;`, ws.URL)),
		skiff.Options{ShutdownTimeout: 300 * time.Millisecond})
	conn, br := upgradeThrough(t, in)
	in.stopped = true
	start := time.Now()
	in.cancel()
	select {
	case <-in.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the shutdown timeout")
	}
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("Run returned after %v, before the 300ms grace", took)
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Error("the relay is still open after Run returned")
	}
}
