package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/proxy/internal/tcptest"
)

// newTestClient returns a client configured as the proxy's by default,
// with maxIdle idle connections per host (0: the default, 64).
func newTestClient(t *testing.T, maxIdle int) *Client {
	t.Helper()
	cfg := testConfig()
	if maxIdle != 0 {
		cfg.MaxIdlePerHost = maxIdle
	}
	c := NewClient(cfg)
	t.Cleanup(c.Close)
	return c
}

func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	s := httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			n.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, &n
}

func clientReq(t *testing.T, ctx context.Context, method, url string, body io.Reader) *http.Request {
	t.Helper()
	r, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestH1ClientEarlyCloseDropsConnection(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			for i := 0; i < 1000 && r.Context().Err() == nil; i++ {
				io.WriteString(w, strings.Repeat("x", 1024))
				w.(http.Flusher).Flush()
			}
			return
		}
		io.WriteString(w, "small")
	})
	c := newTestClient(t, 0)
	rsp, err := c.RoundTrip(clientReq(t, context.Background(), "GET", s.URL+"/stream", nil))
	if err != nil {
		t.Fatal(err)
	}
	rsp.Body.Read(make([]byte, 100))
	done := make(chan struct{})
	go func() { rsp.Body.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("closing a half-read stream blocked (drained?)")
	}
	for range 3 {
		rsp, err := c.RoundTrip(clientReq(t, context.Background(), "GET", s.URL+"/", nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		if string(b) != "small" {
			t.Fatalf("body %q", b)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (the abandoned one is not reused, the next one is)", n)
	}
}

func TestH1ClientIdleLimit(t *testing.T) {
	release := make(chan struct{})
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, "ok")
	})
	c := newTestClient(t, 1)
	rsps := make(chan *http.Response, 3)
	for range 3 {
		go func() {
			rsp, err := c.RoundTrip(clientReq(t, context.Background(), "GET", s.URL, nil))
			if err != nil {
				t.Error(err)
			}
			rsps <- rsp
		}()
	}
	for conns.Load() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	for range 3 {
		rsp := <-rsps
		if rsp != nil {
			io.ReadAll(rsp.Body)
			rsp.Body.Close()
		}
	}
	c.mu.Lock()
	idle := len(c.pools[strings.TrimPrefix(s.URL, "http://")].idle)
	c.mu.Unlock()
	if idle != 1 {
		t.Errorf("%d idle connections kept, want 1", idle)
	}
}

// TestH1ClientTotalIdleLimit: MaxIdle bounds the idle connections of all
// hosts together; connections released beyond it are closed.
func TestH1ClientTotalIdleLimit(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }
	s1, _ := countingServer(t, ok)
	s2, _ := countingServer(t, ok)
	cfg := testConfig()
	cfg.MaxIdle = 1
	c := NewClient(cfg)
	t.Cleanup(c.Close)
	for _, u := range []string{s1.URL, s2.URL} {
		rsp, err := c.RoundTrip(clientReq(t, context.Background(), "GET", u, nil))
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(rsp.Body)
		rsp.Body.Close()
	}
	total := 0
	c.mu.Lock()
	for _, hp := range c.pools {
		total += len(hp.idle)
	}
	c.mu.Unlock()
	if total != 1 || c.idleTotal.Load() != 1 {
		t.Errorf("%d idle connections kept (count %d), want 1", total, c.idleTotal.Load())
	}
	// Taking the idle one frees the slot.
	rsp, err := c.RoundTrip(clientReq(t, context.Background(), "GET", s1.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.idleTotal.Load() != 0 {
		t.Errorf("count %d while the idle connection is in use", c.idleTotal.Load())
	}
	io.ReadAll(rsp.Body)
	rsp.Body.Close()
	c.CloseIdle()
	if c.idleTotal.Load() != 0 {
		t.Errorf("count %d after CloseIdle", c.idleTotal.Load())
	}
}

func TestH1ClientDeadlineDuringBody(t *testing.T) {
	s, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "start")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	c := newTestClient(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	rsp, err := c.RoundTrip(clientReq(t, ctx, "GET", s.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	_, err = io.ReadAll(rsp.Body)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("reading past the deadline: %v", err)
	}
}

// afterFuncCtx is a context with an AfterFunc method of its own, as skiff's
// HTTP/1.1 server's request contexts have; it counts the registrations.
type afterFuncCtx struct {
	context.Context
	calls atomic.Int32
}

func (c *afterFuncCtx) AfterFunc(f func()) func() bool {
	c.calls.Add(1)
	return context.AfterFunc(c.Context, f)
}

// Cancelling the request's context interrupts the wait for the
// response: an ordinary context, and one with its own AfterFunc, which
// the client asks directly.
func TestH1ClientCancelWhileWaiting(t *testing.T) {
	for _, own := range []bool{false, true} {
		t.Run(fmt.Sprintf("own AfterFunc %v", own), func(t *testing.T) {
			s, _ := countingServer(t, slow(2*time.Second))
			c := newTestClient(t, 0)
			parent, cancel := context.WithCancel(context.Background())
			var ctx context.Context = parent
			af := &afterFuncCtx{Context: parent}
			if own {
				ctx = af
			}
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			_, err := c.RoundTrip(clientReq(t, ctx, "GET", s.URL, nil))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err %v, want context.Canceled", err)
			}
			if time.Since(start) > time.Second {
				t.Error("cancel did not interrupt the wait")
			}
			if n, want := af.calls.Load(), map[bool]int32{false: 0, true: 1}[own]; n != want {
				t.Errorf("AfterFunc called %d times, want %d", n, want)
			}
		})
	}
}

func TestH1ClientCloseIdleForgetsHosts(t *testing.T) {
	s, conns := countingServer(t, echo)
	c := newTestClient(t, 0)
	get := func() {
		rsp, err := c.RoundTrip(clientReq(t, context.Background(), "GET", s.URL, nil))
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(rsp.Body)
		rsp.Body.Close()
	}
	get()
	c.CloseIdle()
	c.mu.Lock()
	n := len(c.pools)
	c.mu.Unlock()
	if n != 0 {
		t.Errorf("%d host pools left", n)
	}
	get()
	get()
	if got := conns.Load(); got != 2 {
		t.Errorf("%d connections, want 2", got)
	}
}

// h1ScriptedBackend serves every connection with a loop: read a request
// head (and a Content-Length body), then answer(conn, request line, nth
// request on the connection). answer returns false to stop serving the
// connection. conns counts accepted connections.
type h1ScriptedBackend struct {
	addr  string
	conns atomic.Int32
}

func startH1Scripted(t *testing.T, answer func(c net.Conn, method, path string, n int) bool) *h1ScriptedBackend {
	t.Helper()
	b := &h1ScriptedBackend{}
	b.addr = tcptest.Serve(t, func(_ *tcptest.Server, c net.Conn) {
		b.conns.Add(1)
		br := bufio.NewReader(c)
		for n := 0; ; n++ {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			if !answer(c, req.Method, req.URL.Path, n) {
				return
			}
		}
	}).Addr
	return b
}

func h1OKAnswer(path string) string {
	return "HTTP/1.1 200 OK\r\nContent-Length: " + itoa(len(path)) + "\r\n\r\n" + path
}

func h1Get(t *testing.T, c *Client, method, url string) (int, string) {
	t.Helper()
	var body io.Reader
	if method == "POST" {
		body = strings.NewReader("payload")
	}
	rsp, err := c.RoundTrip(clientReq(t, context.Background(), method, url, body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	b, err := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return rsp.StatusCode, string(b)
}

// TestH1ClientDropsConnectionWithStrayBytes: bytes that arrive on an idle
// connection (a stray response) make it unfit for the next request.
func TestH1ClientDropsConnectionWithStrayBytes(t *testing.T) {
	be := startH1Scripted(t, func(c net.Conn, method, path string, n int) bool {
		io.WriteString(c, h1OKAnswer(path))
		if n == 0 {
			time.Sleep(20 * time.Millisecond)
			io.WriteString(c, h1OKAnswer("/stray"))
		}
		return true
	})
	c := newTestClient(t, 0)
	base := "http://" + be.addr
	if _, body := h1Get(t, c, "GET", base+"/a"); body != "/a" {
		t.Fatalf("first answer %q", body)
	}
	time.Sleep(80 * time.Millisecond) // the stray arrives while idle
	if _, body := h1Get(t, c, "GET", base+"/b"); body != "/b" {
		t.Fatalf("second request got %q", body)
	}
	if n := be.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// TestH1ClientDialsPastClosedIdleConnection: a connection the backend
// closed while idle is not used, so a request that cannot be replayed
// (POST) does not fail on it.
func TestH1ClientDialsPastClosedIdleConnection(t *testing.T) {
	be := startH1Scripted(t, func(c net.Conn, method, path string, n int) bool {
		io.WriteString(c, h1OKAnswer(path))
		return false // close, without announcing it
	})
	c := newTestClient(t, 0)
	base := "http://" + be.addr
	for _, p := range []string{"/a", "/b", "/c"} {
		time.Sleep(20 * time.Millisecond) // the FIN arrives while idle
		if _, body := h1Get(t, c, "POST", base+p); body != p {
			t.Fatalf("got %q, want %q", body, p)
		}
	}
}

// TestH1ClientNoReuseAfterDoubtfulFraming: after each of these answers the
// connection is closed, even when what follows arrives late.
func TestH1ClientNoReuseAfterDoubtfulFraming(t *testing.T) {
	smuggled := func(path string) string { return h1OKAnswer("/smuggled" + path) }
	for _, tc := range []struct {
		name, method string
		answer       func(path string) string
		late         string // written 10ms after the answer
	}{
		{"length and chunked", "GET", func(p string) string {
			chunked := h1Hex(len(p)) + "\r\n" + p + "\r\n0\r\n\r\n"
			return "HTTP/1.1 200 OK\r\nContent-Length: " + itoa(len(chunked)+len(smuggled(p))) +
				"\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
		}, "smuggled"},
		{"body longer than its length", "GET", func(p string) string { return h1OKAnswer(p) + "extra" }, ""},
		{"body longer than its length, late", "GET", h1OKAnswer, "smuggled"},
		{"HEAD with a body", "HEAD", func(p string) string {
			return "HTTP/1.1 200 OK\r\nX-Path: " + p + "\r\nContent-Length: 5\r\n\r\nhello"
		}, ""},
		{"204 with a body", "GET", func(p string) string {
			return "HTTP/1.1 204 No Content\r\nX-Path: " + p + "\r\n\r\n" + smuggled(p)
		}, ""},
		{"304 with a late body", "GET", func(p string) string {
			return "HTTP/1.1 304 Not Modified\r\nX-Path: " + p + "\r\nContent-Length: 5\r\n\r\n"
		}, "smuggled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := startH1Scripted(t, func(c net.Conn, method, path string, n int) bool {
				io.WriteString(c, tc.answer(path))
				if tc.late != "" {
					time.Sleep(10 * time.Millisecond)
					io.WriteString(c, smuggled(path))
				}
				return true
			})
			c := newTestClient(t, 0)
			for i := range 3 {
				p := "/" + itoa(i)
				rsp, err := c.RoundTrip(clientReq(t, context.Background(), tc.method, "http://"+be.addr+p, nil))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rsp.Body)
				rsp.Body.Close()
				if strings.Contains(string(b), "smuggled") || (rsp.StatusCode == 200 && tc.method == "GET" && string(b) != p) ||
					(rsp.Header.Get("X-Path") != "" && rsp.Header.Get("X-Path") != p) {
					t.Fatalf("request %s got %d %q %v", p, rsp.StatusCode, b, rsp.Header)
				}
				time.Sleep(30 * time.Millisecond)
			}
			if n := be.conns.Load(); n != 3 {
				t.Errorf("%d connections for 3 requests", n)
			}
		})
	}
}

func h1Hex(n int) string { return strconv.FormatInt(int64(n), 16) }
