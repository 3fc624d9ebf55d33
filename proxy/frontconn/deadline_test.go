package frontconn

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the read deadlines set on its connections.
type countingListener struct {
	net.Listener
	sets atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, sets: &l.sets}, nil
}

type countingConn struct {
	net.Conn
	sets *atomic.Int64
}

func (c *countingConn) SetReadDeadline(t time.Time) error {
	c.sets.Add(1)
	return c.Conn.SetReadDeadline(t)
}

func (c *countingConn) SetDeadline(t time.Time) error {
	c.sets.Add(1)
	return c.Conn.SetDeadline(t)
}

// TestReadDeadlinesLazy pins that the guard sets on the socket only the
// read deadlines a read runs under: net/http sets six or seven per
// keep-alive request, each a runtime timer update when it reaches the
// socket. It also pins that what is set still works: a header timeout
// ends a client that stalls in its head, and net/http's background read
// is stopped when a handler finishes.
func TestReadDeadlinesLazy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	srv := &http.Server{
		Handler:           Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })),
		ConnContext:       ConnContext,
		ErrorLog:          quietLog,
		ReadHeaderTimeout: 300 * time.Millisecond,
		IdleTimeout:       time.Minute,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(NewListener(cl, Config{HeadTimeout: 300 * time.Millisecond, ParkIdleAfter: -1}))
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	const n = 50
	for i := range n {
		if _, err := io.WriteString(c, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		rsp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		if rsp.StatusCode != 200 || string(b) != "ok" {
			t.Fatalf("request %d: %d %q", i, rsp.StatusCode, b)
		}
	}
	perRequest := float64(cl.sets.Load()) / n
	t.Logf("read deadlines set on the socket: %.2f per request", perRequest)
	if perRequest > 4 {
		t.Errorf("%.2f read deadlines set on the socket per request, want at most 4", perRequest)
	}

	// A head that stalls still meets the header timeout.
	if _, err := io.WriteString(c, "GET /y HTTP/1.1\r\nHo"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("stalled head: %v after %v", err, time.Since(start))
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("stalled head ended after %v, want about the 300ms header timeout", took)
	}
	if len(rest) > 0 && !strings.HasPrefix(string(rest), "HTTP/1.1 4") {
		t.Errorf("stalled head answered %q", rest)
	}
}
