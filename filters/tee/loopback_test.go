package tee

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// routed is what the router saw of a copy.
type routed struct {
	method, url, host, header string
	key                       string
	marked                    bool
	body                      string
	bodyErr                   error
}

// recordingRouter records the copies it is handed; with block it waits
// for release or the copy's end before answering.
type recordingRouter struct {
	got     chan routed
	release chan struct{}
	block   bool
}

func newRouter(block bool) *recordingRouter {
	return &recordingRouter{got: make(chan routed, 100), release: make(chan struct{}), block: block}
}

func (rr *recordingRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rr.block {
		select {
		case <-rr.release:
		case <-r.Context().Done():
		}
	}
	key, marked := LoopbackKey(r.Context())
	b, err := io.ReadAll(r.Body)
	rr.got <- routed{method: r.Method, url: r.URL.String(), host: r.Host, header: r.Header.Get(LoopbackHeader),
		key: key, marked: marked, body: string(b), bodyErr: err}
	w.Header().Set("X-Answer", "shadow")
	w.WriteHeader(http.StatusTeapot)
	w.Write([]byte(strings.Repeat("discarded ", 10000)))
}

func receiveRouted(t *testing.T, ch <-chan routed) routed {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("router got no copy")
		return routed{}
	}
}

func TestLoopbackArgs(t *testing.T) {
	s := newShadow(t, Options{})
	for _, tc := range []struct {
		args []any
		bad  string
	}{
		{[]any{"test-A"}, ""},
		{[]any{"a b/c"}, ""},
		{nil, "want 1 argument(s), got 0"},
		{[]any{"a", "b"}, "want 1 argument(s), got 2"},
		{[]any{""}, "argument 1 (tee key) must not be empty"},
		{[]any{1.0}, "argument 1 (tee key) must be a string"},
	} {
		filtertest.CheckCreate(t, LoopbackSpec(s), tc.args, tc.bad)
	}
}

func TestLoopbackKey(t *testing.T) {
	if k, ok := LoopbackKey(context.Background()); ok || k != "" {
		t.Fatalf("unmarked context: %q %v", k, ok)
	}
	if k, ok := LoopbackKey(WithLoopbackKey(context.Background(), "test-A")); !ok || k != "test-A" {
		t.Fatalf("marked context: %q %v", k, ok)
	}
}

// TestLoopbackCopies: the copy is the request as the filters before
// teeLoopback left it, with the body the main request reads, marked for
// Tee(key); the main request keeps everything but its body wrapper.
func TestLoopbackCopies(t *testing.T) {
	router := newRouter(false)
	s := newShadow(t, Options{})
	s.SetRouter(router)
	f := filtertest.Create(t, LoopbackSpec(s), "test-A")
	body := strings.Repeat("payload ", 10000)
	req := httptest.NewRequest("POST", "http://www.example.org/api/items?id=1&x=%20", strings.NewReader(body))
	req.Header.Set("X-Trace", "abc")
	ctx := filtertest.NewContext(req)
	f.Request(ctx)
	main, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil || string(main) != body {
		t.Fatalf("main body changed: %v", err)
	}
	if ctx.Served() || req.Header.Get(LoopbackHeader) != "" || req.Host != "www.example.org" {
		t.Fatalf("main request changed: served %v, header %v", ctx.Served(), req.Header)
	}
	if _, marked := LoopbackKey(req.Context()); marked {
		t.Fatal("main request marked as a copy")
	}
	got := receiveRouted(t, router.got)
	want := routed{method: "POST", url: "http://www.example.org/api/items?id=1&x=%20", host: "www.example.org",
		header: "test-A", key: "test-A", marked: true, body: body}
	if got != want {
		t.Fatalf("copy %+v", got)
	}
	waitIdle(t, s)
	if s.Sent() != 1 || s.Dropped() != 0 {
		t.Fatalf("sent %d dropped %d", s.Sent(), s.Dropped())
	}
}

// TestLoopbackSkips: no copy of a copy, of an upgrade, or without a router.
func TestLoopbackSkips(t *testing.T) {
	for _, tc := range []struct {
		name    string
		router  bool
		req     func() *http.Request
		dropped int64
	}{
		{"copy of a copy", true, func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			return r.WithContext(WithLoopbackKey(r.Context(), "other"))
		}, 0},
		{"upgrade", true, func() *http.Request {
			r := httptest.NewRequest("GET", "/ws", nil)
			r.Header.Set("Connection", "Upgrade")
			r.Header.Set("Upgrade", "websocket")
			return r
		}, 0},
		{"no router", false, func() *http.Request { return httptest.NewRequest("GET", "/", nil) }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			router := newRouter(false)
			s := newShadow(t, Options{})
			if tc.router {
				s.SetRouter(router)
			}
			f := filtertest.Create(t, LoopbackSpec(s), "k")
			req := tc.req()
			f.Request(filtertest.NewContext(req))
			if s.Sent() != 0 || s.Dropped() != tc.dropped || len(router.got) != 0 {
				t.Fatalf("sent %d dropped %d routed %d", s.Sent(), s.Dropped(), len(router.got))
			}
		})
	}
}

// TestLoopbackNeverBlocks: a copy whose route does not read, and a router
// that does not answer, leave the main request free; Close ends the copy.
func TestLoopbackNeverBlocks(t *testing.T) {
	router := newRouter(true)
	s := NewShadow(Options{BufferSize: 1024, Timeout: time.Hour})
	s.SetRouter(router)
	f := filtertest.Create(t, LoopbackSpec(s), "k")
	body := strings.Repeat("x", 1<<20)
	req := httptest.NewRequest("PUT", "/big", strings.NewReader(body))
	f.Request(filtertest.NewContext(req))
	main, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil || len(main) != len(body) {
		t.Fatalf("main read %d bytes: %v", len(main), err)
	}
	if s.InFlight() != 1 {
		t.Fatalf("%d in flight", s.InFlight())
	}
	s.Close() // cancels the waiting router
	if s.InFlight() != 0 {
		t.Fatalf("%d in flight after Close", s.InFlight())
	}
	if got := receiveRouted(t, router.got); got.bodyErr == nil {
		t.Fatalf("copy got a body of %d bytes without error though it fell behind", len(got.body))
	}
}

func TestLoopbackTimeout(t *testing.T) {
	router := newRouter(true)
	s := newShadow(t, Options{Timeout: 20 * time.Millisecond})
	s.SetRouter(router)
	f := filtertest.Create(t, LoopbackSpec(s), "k")
	f.Request(filtertest.NewContext(httptest.NewRequest("GET", "/", nil)))
	waitIdle(t, s) // returns only if the timeout ended the waiting copy
	receiveRouted(t, router.got)
}

// TestLoopbackRouterPanics: the proxy aborts a broken-off response with a
// panic; the copy's goroutine survives it and frees its slot.
func TestLoopbackRouterPanics(t *testing.T) {
	s := newShadow(t, Options{})
	s.SetRouter(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	f := filtertest.Create(t, LoopbackSpec(s), "k")
	f.Request(filtertest.NewContext(httptest.NewRequest("POST", "/", strings.NewReader("body"))))
	waitIdle(t, s)
	if s.Sent() != 1 {
		t.Fatalf("sent %d", s.Sent())
	}
}

func TestLoopbackConcurrencyBound(t *testing.T) {
	router := newRouter(true)
	s := newShadow(t, Options{MaxConcurrent: 2, Timeout: time.Hour})
	s.SetRouter(router)
	f := filtertest.Create(t, LoopbackSpec(s), "k")
	for range 5 {
		f.Request(filtertest.NewContext(httptest.NewRequest("GET", "/", nil)))
	}
	if s.Sent() != 2 || s.Dropped() != 3 {
		t.Fatalf("sent %d dropped %d", s.Sent(), s.Dropped())
	}
	close(router.release)
	receiveRouted(t, router.got)
	receiveRouted(t, router.got)
	waitIdle(t, s)
}

// TestLoopbackContextNotKept: the copy runs after the request ended; it
// must not touch the main request's context.
func TestLoopbackContextNotKept(t *testing.T) {
	router := newRouter(true)
	s := newShadow(t, Options{})
	s.SetRouter(router)
	f := filtertest.Create(t, LoopbackSpec(s), "k")
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f.Request(ctx)
	f.Response(ctx)
	ctx.End()
	close(router.release)
	receiveRouted(t, router.got)
	waitIdle(t, s)
}
