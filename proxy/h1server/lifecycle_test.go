package h1server

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/proxy/frontconn"
	"github.com/skiff-proxy/skiff/proxy/h1server/internal/respwriter"
)

// dialKeepAlive opens a connection to s and returns a function that sends
// one request on it and reads its response.
func dialKeepAlive(t *testing.T, addr string) (net.Conn, func(req string) *http.Response) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	br := bufio.NewReader(c)
	return c, func(req string) *http.Response {
		t.Helper()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		rsp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rsp.Body)
		if err != nil {
			t.Fatal(err)
		}
		rsp.Body = io.NopCloser(strings.NewReader(string(b)))
		return rsp
	}
}

func bodyOf(t *testing.T, rsp *http.Response) string {
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"

// A request slower than watchAfter has the watch read the next
// pipelined request's first byte: that request must come out whole.
func TestPipelinedBehindSlowRequest(t *testing.T) {
	s := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(10 * watchAfter)
		}
		_, _ = io.WriteString(w, r.URL.Path)
	}), false, frontconn.Config{})
	got := exchange(t, s.addr, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n")
	if !strings.Contains(got, "\r\n\r\n/slow") || !strings.HasSuffix(got, "\r\n\r\n/next") {
		t.Fatalf("responses: %q", got)
	}
}

// A client that leaves while its request is served cancels the
// request's context, as with net/http: with no body, and once a body was
// read to its end.
func TestClientLeavingCancelsRequest(t *testing.T) {
	for _, tc := range []struct {
		name, request string
	}{
		{"no body", get},
		{"body read", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cancelled := make(chan error, 1)
			started := make(chan struct{})
			s := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := io.ReadAll(r.Body); err != nil {
					cancelled <- err
					return
				}
				close(started)
				select {
				case <-r.Context().Done():
					cancelled <- r.Context().Err()
				case <-time.After(5 * time.Second):
					cancelled <- nil
				}
			}), false, frontconn.Config{})
			c, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(c, tc.request); err != nil {
				t.Fatal(err)
			}
			<-started
			_ = c.Close()
			if err := <-cancelled; err != context.Canceled {
				t.Fatalf("request context: %v, want cancelled", err)
			}
		})
	}
}

// Keep-alive: many requests on one connection, each served by this
// server, and the connection parks and resumes when idle.
func TestKeepAliveAndPark(t *testing.T) {
	var fast atomic.Int32
	s := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(*respwriter.Writer); ok {
			fast.Add(1)
		}
		_, _ = io.WriteString(w, "ok")
	}), false, frontconn.Config{ParkIdleAfter: 20 * time.Millisecond})
	_, send := dialKeepAlive(t, s.addr)
	for i := range 6 {
		if i == 3 {
			time.Sleep(100 * time.Millisecond) // parked meanwhile
		}
		if rsp := send(get); rsp.StatusCode != 200 || bodyOf(t, rsp) != "ok" {
			t.Fatalf("request %d: %v", i, rsp.Status)
		}
	}
	if n := fast.Load(); n != 6 {
		t.Fatalf("%d of 6 requests served by this server", n)
	}
}

// A panic in the handler is logged, ends its connection, and leaves the
// server serving others.
func TestHandlerPanic(t *testing.T) {
	s := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
		_, _ = io.WriteString(w, "ok")
	}), false, frontconn.Config{})
	for _, path := range []string{"/panic", "/abort"} {
		if got := exchange(t, s.addr, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n"+get); got != "" {
			t.Fatalf("%s: response %q", path, got)
		}
	}
	if got := exchange(t, s.addr, get); !strings.HasSuffix(got, "ok") {
		t.Fatalf("after the panics: %q", got)
	}
	if l := s.log.String(); !strings.Contains(l, "panic serving") || !strings.Contains(l, "boom") || strings.Count(l, "panic serving") != 1 {
		t.Fatalf("log: %q", l)
	}
}

// Hijack works on this server's connections as on net/http's.
func TestHijack(t *testing.T) {
	s := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		// What follows the request is not HTTP: the guard must stop, as
		// the proxy tells it after an upgrade.
		c.(*frontconn.Conn).Passthrough()
		_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nraw")
		_ = rw.Flush()
		line, _ := rw.ReadString('\n') // bytes after the request, read ahead or not
		_, _ = rw.WriteString(line)
		_ = rw.Flush()
	}), false, frontconn.Config{})
	got := exchange(t, s.addr, get+"echo me\n")
	if got != "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nrawecho me\n" {
		t.Fatalf("got %q", got)
	}
}

// Shutdown closes idle connections, lets a request in flight finish with
// Connection: close, and returns once all are gone.
func TestShutdown(t *testing.T) {
	release := make(chan struct{})
	inFlight := make(chan struct{})
	s := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			close(inFlight)
			<-release
		}
		_, _ = io.WriteString(w, "ok")
	}), false, frontconn.Config{})

	idle, send := dialKeepAlive(t, s.addr)
	send(get)
	busy, sendBusy := dialKeepAlive(t, s.addr)
	_ = busy
	got := make(chan *http.Response, 1)
	go func() { got <- sendBusy("GET /wait HTTP/1.1\r\nHost: a\r\n\r\n") }()
	<-inFlight

	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	// The idle connection is closed.
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("idle connection: %d, %v", n, err)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned with a request in flight: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	rsp := <-got
	if rsp.StatusCode != 200 || !rsp.Close {
		t.Fatalf("response in flight: %v, close %v", rsp.Status, rsp.Close)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
		t.Fatal("still accepting")
	}
}

// Over TLS, HTTP/1.1 connections are this server's and HTTP/2 ones
// net/http's.
func TestTLS(t *testing.T) {
	var fast, h2 atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(*respwriter.Writer); ok {
			fast.Add(1)
		}
		if r.ProtoMajor == 2 {
			h2.Add(1)
		}
		_, _ = io.WriteString(w, "ok "+r.TLS.NegotiatedProtocol)
	})
	cert := httptest.NewUnstartedServer(nil)
	cert.StartTLS()
	certs := cert.TLS.Certificates
	pool := cert.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	cert.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: frontconn.Handler(h), ConnContext: frontconn.ConnContext,
		TLSConfig: &tls.Config{Certificates: certs, NextProtos: []string{"h2", "http/1.1"}}}
	s := New(hs)
	done := make(chan error, 1)
	go func() {
		done <- s.Serve(frontconn.NewTLSListener(ln, hs.TLSConfig, time.Second, frontconn.Config{ParkIdleAfter: -1}))
	}()
	defer func() { _ = s.Close(); <-done }()

	for _, proto := range []string{"http/1.1", "h2"} {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "example.com", NextProtos: []string{proto}},
			ForceAttemptHTTP2: proto == "h2"}
		if proto == "http/1.1" {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		rsp, err := (&http.Client{Transport: tr}).Get("https://" + ln.Addr().String() + "/")
		if err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		if b := bodyOf(t, rsp); b != "ok "+proto {
			t.Fatalf("%s: %q", proto, b)
		}
		_ = rsp.Body.Close()
		tr.CloseIdleConnections()
	}
	if fast.Load() != 1 || h2.Load() != 1 {
		t.Fatalf("served here %d, HTTP/2 %d; want 1 and 1", fast.Load(), h2.Load())
	}
}

// net/http's timeouts bound the waits of this server's connections: the
// first request's under ReadHeaderTimeout, the next ones' under
// IdleTimeout.
func TestWaitTimeouts(t *testing.T) {
	const d = 100 * time.Millisecond
	s := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), false, frontconn.Config{}, func(hs *http.Server) {
		hs.ReadHeaderTimeout, hs.IdleTimeout = d, 2*d
	})
	closedAfter := func(c net.Conn) time.Duration {
		t.Helper()
		start := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("read: %v, want EOF", err)
		}
		return time.Since(start)
	}

	silent, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if el := closedAfter(silent); el < d/2 || el > 20*d {
		t.Errorf("a connection that sent nothing closed after %v, want about %v", el, d)
	}

	idle, send := dialKeepAlive(t, s.addr)
	if rsp := send(get); rsp.StatusCode != 200 {
		t.Fatal(rsp.Status)
	}
	if el := closedAfter(idle); el < d || el > 20*d {
		t.Errorf("an idle keep-alive connection closed after %v, want about %v", el, 2*d)
	}
}

// A request body read after the handler panicked fails as one read after
// the handler returned does: it never reaches the connection again.
func TestBodyClosedAfterPanic(t *testing.T) {
	late := make(chan error, 1)
	s := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		go func() {
			time.Sleep(50 * time.Millisecond)
			_, err := r.Body.Read(make([]byte, 10))
			late <- err
		}()
		panic("boom")
	}), false, frontconn.Config{})
	_ = exchange(t, s.addr, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789")
	if err := <-late; err != http.ErrBodyReadAfterClose {
		t.Fatalf("body read after the panic: %v, want http.ErrBodyReadAfterClose", err)
	}
}

// NetHTTPOnly leaves every request to net/http's server and its writer.
func TestNetHTTPOnly(t *testing.T) {
	for _, only := range []bool{false, true} {
		var own atomic.Int32
		s := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := w.(*respwriter.Writer); ok {
				own.Add(1)
			}
			_, _ = io.WriteString(w, "ok")
		}), only, frontconn.Config{})
		if got := exchange(t, s.addr, get+get); strings.Count(got, "\r\n\r\nok") != 2 {
			t.Fatalf("NetHTTPOnly %v: %q", only, got)
		}
		if want := map[bool]int32{false: 2, true: 0}[only]; own.Load() != want {
			t.Errorf("NetHTTPOnly %v: %d requests served by this server, want %d", only, own.Load(), want)
		}
	}
}
