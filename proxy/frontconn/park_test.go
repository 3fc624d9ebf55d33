package frontconn

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const testParkAfter = 30 * time.Millisecond

// parkServer serves a recorder through the guard, parking after
// testParkAfter, and notes every *Conn net/http let go of.
type parkServer struct {
	rec    *recorder
	l      *listener
	srv    *http.Server
	mu     sync.Mutex
	closed []*Conn // in the order net/http closed them
}

func newParkServer(t *testing.T, h http.Handler, tlsCfg *tls.Config, idleTimeout time.Duration) *parkServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps := &parkServer{rec: &recorder{}}
	if h == nil {
		h = ps.rec
	}
	ps.srv = &http.Server{
		Handler:     Handler(h),
		ConnContext: ConnContext,
		ErrorLog:    quietLog,
		IdleTimeout: idleTimeout,
		ConnState: func(c net.Conn, s http.ConnState) {
			if gc, ok := c.(*Conn); ok && s == http.StateClosed {
				ps.mu.Lock()
				ps.closed = append(ps.closed, gc)
				ps.mu.Unlock()
			}
		},
	}
	cfg := Config{ParkIdleAfter: testParkAfter}
	if tlsCfg != nil {
		ps.l = NewTLSListener(ln, tlsCfg, time.Second, cfg).(*listener)
	} else {
		ps.l = NewListener(ln, cfg).(*listener)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ps.srv.Serve(ps.l)
	}()
	t.Cleanup(func() {
		_ = ps.srv.Close()
		<-done
	})
	return ps
}

func (ps *parkServer) addr() string { return ps.l.Addr().String() }

// dial connects a client to the server; the test's cleanup closes it.
func (ps *parkServer) dial(t *testing.T) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", ps.addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, bufio.NewReader(c)
}

func (ps *parkServer) parkedCount() int {
	ps.l.mu.Lock()
	defer ps.l.mu.Unlock()
	return len(ps.l.parked)
}

func (ps *parkServer) closedConns() []*Conn {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]*Conn(nil), ps.closed...)
}

// waitParked waits until n connections are parked.
func (ps *parkServer) waitParked(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for ps.parkedCount() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections parked, want %d", ps.parkedCount(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serveGoroutines counts net/http's connection goroutines.
func serveGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "net/http.(*conn).serve(")
}

// roundTrip writes req, byte by byte when split, and reads one response.
func roundTrip(t *testing.T, c net.Conn, br *bufio.Reader, req string, split bool) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	defer func() { _ = c.SetDeadline(time.Time{}) }()
	if split {
		for i := range len(req) {
			if _, err := c.Write([]byte{req[i]}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
	} else if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	rsp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(rsp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rsp.Status + " " + string(body)
}

// TestPark checks the life of a parked connection: after a request and
// ParkIdleAfter without bytes, net/http has let go of it (goroutine
// ended, guard holding no buffer) while the client's connection stays
// open; the next request, even split into single bytes, is served on it;
// a connection busy within ParkIdleAfter stays with net/http.
func TestPark(t *testing.T) {
	ps := newParkServer(t, nil, nil, 0)
	c, br := ps.dial(t)

	if got := roundTrip(t, c, br, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", false); got != "200 OK ok" {
		t.Fatalf("first: %s", got)
	}
	ps.waitParked(t, 1)
	closed := ps.closedConns()
	if len(closed) != 1 {
		t.Fatalf("net/http closed %d connections, want the parked one", len(closed))
	}
	if gc := closed[0]; gc.buf != nil || gc.arr != nil || gc.reserved != 0 {
		t.Errorf("parked connection holds a buffer: %d bytes, %d reserved", len(gc.buf), gc.reserved)
	}
	if n := serveGoroutines(); n != 0 {
		t.Errorf("%d net/http connection goroutines while parked", n)
	}

	// The next request, one byte at a time: it wakes the connection
	// with its first byte and is read through the guard as usual.
	if got := roundTrip(t, c, br, "GET /b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n", true); got != "200 OK ok" {
		t.Fatalf("after parking: %s", got)
	}
	ps.waitParked(t, 1)

	// Requests in quick succession: no parking in between.
	before := len(ps.closedConns())
	for _, p := range []string{"/c", "/d", "/e"} {
		if got := roundTrip(t, c, br, "GET "+p+" HTTP/1.1\r\nHost: x\r\n\r\n", false); got != "200 OK ok" {
			t.Fatalf("%s: %s", p, got)
		}
	}
	ps.waitParked(t, 1)
	if n := len(ps.closedConns()) - before; n != 1 {
		t.Errorf("net/http let go of %d connections for three quick requests, want 1", n)
	}
	want := []string{"GET /a", "GET /b", "GET /c", "GET /d", "GET /e"}
	if got := ps.rec.short(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("handler saw %q, want %q", got, want)
	}
	if h := ps.rec.list()[1].id; !strings.Contains(h, `X-A=["1"]`) {
		t.Errorf("second request %s", h)
	}
}

// TestParkAfterPost checks that the CR/LF net/http skips after a POST body
// is skipped as well when it arrives after the connection parked, and that
// a body split around the park is framed as before.
func TestParkAfterPost(t *testing.T) {
	ps := newParkServer(t, nil, nil, 0)
	c, br := ps.dial(t)
	if got := roundTrip(t, c, br, "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", false); got != "200 OK ok" {
		t.Fatalf("POST: %s", got)
	}
	ps.waitParked(t, 1)
	if got := roundTrip(t, c, br, "\r\nGET /after-post HTTP/1.1\r\nHost: x\r\n\r\n", true); got != "200 OK ok" {
		t.Fatalf("after the POST: %s", got)
	}
	ps.waitParked(t, 1)
	if got := roundTrip(t, c, br, "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n", true); got != "200 OK ok" {
		t.Fatalf("chunked: %s", got)
	}
	ps.waitParked(t, 1)
	// Smuggling stays refused on an unparked connection.
	if got := roundTrip(t, c, br, "POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", false); !strings.HasPrefix(got, "400 ") {
		t.Fatalf("CL and TE: %s", got)
	}
	want := []string{"POST /p abc", "GET /after-post", "POST /chunked xyz"}
	if got := ps.rec.short(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("handler saw %q, want %q", got, want)
	}
}

// TestParkIdleTimeout checks that the server's IdleTimeout still ends a
// parked connection, and that closing the listener (Shutdown does) ends
// the parked ones at once.
func TestParkIdleTimeout(t *testing.T) {
	ps := newParkServer(t, nil, nil, 300*time.Millisecond)
	dial := func() (net.Conn, *bufio.Reader) {
		c, br := ps.dial(t)
		if got := roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false); got != "200 OK ok" {
			t.Fatal(got)
		}
		return c, br
	}
	c, br := dial()
	defer c.Close()
	start := time.Now()
	ps.waitParked(t, 1)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("read a byte from an idle connection")
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("closed after %v, before the idle timeout", d)
	}
	ps.waitParked(t, 0)

	c2, br2 := dial()
	defer c2.Close()
	ps.waitParked(t, 1)
	if err := ps.srv.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	_ = c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br2.ReadByte(); err == nil {
		t.Fatal("parked connection open after Shutdown")
	}
	if n := ps.parkedCount(); n != 0 {
		t.Errorf("%d connections parked after Shutdown", n)
	}
}

// TestParkHijacked checks that a connection whose handler hijacked it and
// returned is never parked: its new owner reads on after ParkIdleAfter.
func TestParkHijacked(t *testing.T) {
	got := make(chan string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		go func() {
			defer c.Close()
			line, _ := brw.ReadString('\n')
			got <- line
		}()
	})
	ps := newParkServer(t, h, nil, 0)
	c, br := ps.dial(t)
	if got := roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false); got != "200 OK " {
		t.Fatal(got)
	}
	time.Sleep(5 * testParkAfter)
	// A whole head: without Passthrough the guard passes on no less.
	if _, err := io.WriteString(c, "GET /not-for-net/http HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case line := <-got:
		if line != "GET /not-for-net/http HTTP/1.1\r\n" {
			t.Errorf("hijacker read %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("hijacker read nothing")
	}
	if n := ps.parkedCount(); n != 0 {
		t.Errorf("%d connections parked", n)
	}
}

// TestParkTLS parks a TLS connection and serves its next request with
// Request.TLS set.
func TestParkTLS(t *testing.T) {
	cert, pool := testCert(t)
	var mu sync.Mutex
	var sawTLS []bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sawTLS = append(sawTLS, r.TLS != nil && r.TLS.HandshakeComplete)
		mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	})
	ps := newParkServer(t, h, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}, 0)
	c, err := tls.Dial("tcp", ps.addr(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range 3 {
		if got := roundTrip(t, c, br, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", i == 1); got != "200 OK ok" {
			t.Fatalf("request %d: %s", i, got)
		}
		ps.waitParked(t, 1)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sawTLS) != 3 || !sawTLS[0] || !sawTLS[1] || !sawTLS[2] {
		t.Errorf("Request.TLS set: %v", sawTLS)
	}
}
