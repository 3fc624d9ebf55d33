package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newTestClient(t *testing.T, maxIdle int) *h1Client {
	t.Helper()
	o := Options{MaxIdleConnsPerHost: maxIdle}.withDefaults()
	c := newH1Client(o.Timeouts, o.MaxIdleConnsPerHost, false, newBufferPool())
	t.Cleanup(func() { c.closeIdle(true) })
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

func TestH1ClientCancelWhileWaiting(t *testing.T) {
	s, _ := countingServer(t, slow(2*time.Second))
	c := newTestClient(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.RoundTrip(clientReq(t, ctx, "GET", s.URL, nil))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if time.Since(start) > time.Second {
		t.Error("cancel did not interrupt the wait")
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
	c.closeIdle(false)
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
