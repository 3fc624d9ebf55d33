package proxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/routing"
)

func TestFilterLoopbackWithResponse(t *testing.T) {
	be := backend(t, nil)
	reg := testRegistry()
	reg.Register(testSpec{"relookup", func(a []any) filters.Filter {
		keep := a[0].(string) == "keep"
		return funcFilter{rsp: func(c filters.FilterContext) {
			c.Request().URL.Path = "/other"
			if keep {
				c.LoopbackWithResponse()
			} else {
				c.Loopback()
			}
			c.Response().Header.Set("X-After", c.RouteId())
		}}
	}})
	for _, tc := range []struct{ mode, body string }{{"keep", "other"}, {"drop", "backend"}} {
		t.Run(tc.mode, func(t *testing.T) {
			var otherHits int
			other := backend(t, func(w http.ResponseWriter, r *http.Request) { otherHits++; io.WriteString(w, "other") })
			fx := startProxyReg(t, reg, Options{},
				netRoute("main", "/main", be.URL, f("relookup", tc.mode)),
				netRoute("o", "/other", other.URL))
			rsp, body := get(t, fx.url("/main"))
			if body != tc.body || otherHits != 1 {
				t.Errorf("body %q, other backend hit %d times", body, otherHits)
			}
			if got := rsp.Header.Get("X-After"); got != "main" {
				t.Errorf("route id after loopback %q", got)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	shadow := make(chan string, 1)
	reg := testRegistry()
	reg.Register(testSpec{"teeTest", func(a []any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) {
			sc, err := c.Split()
			if err != nil {
				shadow <- "error: " + err.Error()
				return
			}
			c.StateBag()["main"] = true
			if _, ok := sc.StateBag()["main"]; ok {
				shadow <- "state bag shared"
				return
			}
			body := sc.Request().Body
			go func() {
				b, _ := io.ReadAll(body)
				shadow <- string(b)
			}()
		}}
	}})
	be := backend(t, nil)
	fx := startProxyReg(t, reg, Options{}, netRoute("r", "/", be.URL, f("teeTest")))
	rsp, _ := do(t, mustReq(t, "POST", fx.url("/"), strings.NewReader("payload")))
	if got := rsp.Header.Get("X-Got-Body"); got != "payload" {
		t.Errorf("backend got %q", got)
	}
	select {
	case got := <-shadow:
		if got != "payload" {
			t.Errorf("split request got %q", got)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("split request body never completed")
	}
}

func TestExpectContinue(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	req := mustReq(t, "PUT", fx.url("/"), strings.NewReader("expecting"))
	req.Header.Set("Expect", "100-continue")
	rsp, body := do(t, req)
	if rsp.StatusCode != 200 || body != "backend" || rsp.Header.Get("X-Got-Body") != "expecting" {
		t.Errorf("got %d %q body seen %q", rsp.StatusCode, body, rsp.Header.Get("X-Got-Body"))
	}
}

func TestCloseEndsUpgradedConnections(t *testing.T) {
	be := backend(t, nil)
	wsBe := websocketBackend(t)
	fx := startProxy(t, Options{}, netRoute("ws", "/", wsBe), netRoute("r", "/x", be.URL))
	ws, err := websocket.Dial("ws"+strings.TrimPrefix(fx.url("/"), "http"), "", "http://o")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	fx.proxy.Close()
	ws.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := ws.Read(make([]byte, 1)); err == nil {
		t.Fatal("upgraded connection still open after Close")
	}
}

func websocketBackend(t *testing.T) string {
	s := backend(t, nil)
	s.Config.Handler = websocket.Handler(func(ws *websocket.Conn) { io.Copy(ws, ws) })
	return s.URL
}

// originalsRegistry adds to testRegistry:
//
//	mutate(): request filter changing method, path, Host and header
//	touchRsp(): response filter changing status and header
//	origs(): records OriginalRequest in both phases and OriginalResponse
//	  in the response phase on the channel it was created with
func originalsRegistry(seen chan<- [3]any) filters.Registry {
	reg := testRegistry()
	reg.Register(testSpec{"mutate", func([]any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) {
			r := c.Request()
			r.Method = "PUT"
			r.URL.Path = "/changed"
			r.Host = "changed.example"
			r.Header.Set("X-A", "changed")
			r.Header["X-Multi"][0] = "edited in place"
			r.Header.Del("X-Del")
			r.Header.Set("X-New", "1")
		}}
	}})
	reg.Register(testSpec{"touchRsp", func([]any) filters.Filter {
		return funcFilter{rsp: func(c filters.FilterContext) {
			rsp := c.Response()
			rsp.StatusCode = http.StatusAccepted
			rsp.Header.Set("X-Got-Uri", "changed")
			rsp.Header.Set("X-Rsp-New", "1")
		}}
	}})
	reg.Register(testSpec{"origs", func([]any) filters.Filter {
		var inRequest *http.Request
		return funcFilter{
			req: func(c filters.FilterContext) { inRequest = c.OriginalRequest() },
			rsp: func(c filters.FilterContext) { seen <- [3]any{inRequest, c.OriginalRequest(), c.OriginalResponse()} },
		}
	}})
	return reg
}

func TestOriginalRequestAndResponse(t *testing.T) {
	seen := make(chan [3]any, 1)
	be := backend(t, nil)
	// Response filters run in reverse: touchRsp changes the response
	// before origs looks at it; mutate changes the request before origs
	// asks in the request phase.
	fx := startProxyReg(t, originalsRegistry(seen), Options{},
		netRoute("r", "/a", be.URL, f("origs"), f("mutate"), f("touchRsp")))
	req := mustReq(t, "GET", fx.url("/a?q=1"), nil)
	req.Header.Set("X-A", "sent")
	req.Header.Set("X-Del", "sent")
	req.Header["X-Multi"] = []string{"one", "two"}
	rsp, _ := do(t, req)
	if rsp.StatusCode != http.StatusAccepted || rsp.Header.Get("X-Got-Uri") != "changed" {
		t.Fatalf("response %d %q: response filter did not run", rsp.StatusCode, rsp.Header.Get("X-Got-Uri"))
	}
	got := <-seen
	inReq, inRsp, orig := got[0].(*http.Request), got[1].(*http.Request), got[2].(*http.Response)
	if inReq != inRsp {
		t.Error("OriginalRequest returned different copies within one request")
	}
	host := strings.TrimPrefix(fx.server.URL, "http://")
	if inReq.Method != "GET" || inReq.URL.Path != "/a" || inReq.URL.RawQuery != "q=1" || inReq.Host != host ||
		inReq.RequestURI != "/a?q=1" || inReq.Body != http.NoBody || inReq.RemoteAddr == "" {
		t.Errorf("original request %s %v Host %q RequestURI %q RemoteAddr %q", inReq.Method, inReq.URL, inReq.Host, inReq.RequestURI, inReq.RemoteAddr)
	}
	h := inReq.Header
	if h.Get("X-A") != "sent" || h.Get("X-Del") != "sent" || h.Get("X-New") != "" || strings.Join(h["X-Multi"], ",") != "one,two" {
		t.Errorf("original request header %v", h)
	}
	if inReq.Context().Done() == nil {
		t.Error("original request without the client's context")
	}
	if orig.StatusCode != http.StatusOK || orig.Header.Get("X-Got-Uri") != "/changed?q=1" ||
		orig.Header.Get("X-Rsp-New") != "" || orig.Body != http.NoBody {
		t.Errorf("original response %d %v", orig.StatusCode, orig.Header)
	}

	// The copies are the filter's own: later requests through the pooled
	// context leave them alone.
	req2 := mustReq(t, "GET", fx.url("/a?q=2"), nil)
	req2.Header.Set("X-A", "second")
	req2.Header["X-Multi"] = []string{"three"}
	do(t, req2)
	<-seen
	if inReq.Header.Get("X-A") != "sent" || inReq.URL.RawQuery != "q=1" || orig.Header.Get("X-Got-Uri") != "/changed?q=1" {
		t.Errorf("a later request changed the copies: %v %v %v", inReq.Header, inReq.URL, orig.Header)
	}
}

// TestOriginalRequestAskedLate: a filter that asks only in the response
// phase still gets the request as received, as long as a filter changed it
// through Request.
func TestOriginalRequestAskedLate(t *testing.T) {
	seen := make(chan *http.Request, 1)
	reg := originalsRegistry(nil)
	reg.Register(testSpec{"lateOrig", func([]any) filters.Filter {
		return funcFilter{rsp: func(c filters.FilterContext) { seen <- c.OriginalRequest() }}
	}})
	be := backend(t, nil)
	fx := startProxyReg(t, reg, Options{}, netRoute("r", "/a", be.URL, f("lateOrig"), f("mutate")))
	req := mustReq(t, "GET", fx.url("/a"), nil)
	req.Header.Set("X-A", "sent")
	req.Header["X-Multi"] = []string{"one"}
	do(t, req)
	o := <-seen
	if o.Method != "GET" || o.URL.Path != "/a" || o.Header.Get("X-A") != "sent" || o.Header.Get("X-Multi") != "one" {
		t.Errorf("original request %s %v %v", o.Method, o.URL, o.Header)
	}
}

// TestOriginalResponseOfDiscardedLoopback: the response of a Loopback
// whose result is thrown away is not the original response.
func TestOriginalResponseOfDiscardedLoopback(t *testing.T) {
	seen := make(chan *http.Response, 1)
	reg := testRegistry()
	reg.Register(testSpec{"relook", func([]any) filters.Filter {
		return funcFilter{
			req: func(c filters.FilterContext) {
				c.Request().URL.Path = "/inner"
				c.Loopback()
				c.Request().URL.Path = "/main"
			},
			rsp: func(c filters.FilterContext) { seen <- c.OriginalResponse() },
		}
	}})
	inner := backend(t, func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-From", "inner") })
	be := backend(t, func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-From", "main") })
	fx := startProxyReg(t, reg, Options{},
		netRoute("main", "/main", be.URL, f("relook")),
		netRoute("inner", "/inner", inner.URL, f("trace", "i")))
	do(t, mustReq(t, "GET", fx.url("/main"), nil))
	if o := <-seen; o == nil || o.Header.Get("X-From") != "main" {
		t.Errorf("original response %v", o)
	}
}

func TestResponseWriterAndMarkServed(t *testing.T) {
	var hits int
	be := backend(t, func(w http.ResponseWriter, r *http.Request) { hits++ })
	reg := testRegistry()
	reg.Register(testSpec{"direct", func(a []any) filters.Filter {
		write := func(c filters.FilterContext) {
			w := c.ResponseWriter()
			w.Header().Set("X-Direct", "1")
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, "direct")
			c.MarkServed()
			if !c.Served() {
				panic("not served after MarkServed")
			}
		}
		if str(a, 0) == "request" {
			return funcFilter{req: write}
		}
		return funcFilter{rsp: write}
	}})
	fx := startProxyReg(t, reg, Options{},
		netRoute("req", "/req", be.URL, f("trace", "outer"), f("direct", "request"), f("trace", "skipped")),
		netRoute("rsp", "/rsp", be.URL, f("direct", "response")))
	for _, path := range []string{"/req", "/rsp"} {
		rsp, body := get(t, fx.url(path))
		if rsp.StatusCode != http.StatusTeapot || body != "direct" || rsp.Header.Get("X-Direct") != "1" {
			t.Errorf("%s: %d %q %v", path, rsp.StatusCode, body, rsp.Header)
		}
		if rsp.Header.Get("X-Trace") != "" {
			t.Errorf("%s: response filters ran after MarkServed: %q", path, rsp.Header.Get("X-Trace"))
		}
		if e := fx.log.last(t); e.Status != http.StatusTeapot || e.BytesWritten != int64(len("direct")) {
			t.Errorf("%s: access log status %d bytes %d", path, e.Status, e.BytesWritten)
		}
	}
	if hits != 1 {
		t.Errorf("backend hit %d times, want once (only for /rsp)", hits)
	}
}

// recordedMetrics is a filters.Metrics that keeps what it is given.
type recordedMetrics struct {
	mu       sync.Mutex
	counters map[string]float64
	times    map[string]int
}

func (m *recordedMetrics) add(key string, v float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counters[key] += v
}
func (m *recordedMetrics) MeasureSince(key string, _ time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.times[key]++
}
func (m *recordedMetrics) IncCounter(key string)                   { m.add(key, 1) }
func (m *recordedMetrics) IncCounterBy(key string, v int64)        { m.add(key, float64(v)) }
func (m *recordedMetrics) IncFloatCounterBy(key string, v float64) { m.add(key, v) }

func TestMetricsAndSplitExtras(t *testing.T) {
	done := make(chan string, 1)
	rec := &recordedMetrics{counters: map[string]float64{}, times: map[string]int{}}
	reg := testRegistry()
	reg.Register(testSpec{"extras", func([]any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) {
			m := c.Metrics()
			m.IncCounter("a")
			m.IncCounterBy("a", 2)
			m.IncFloatCounterBy("b", 0.5)
			m.MeasureSince("c", time.Now())
			sc, err := c.Split()
			if err != nil {
				done <- err.Error()
				return
			}
			sc.Metrics().IncCounter("a")
			o := sc.OriginalRequest()
			if o == nil || o == c.OriginalRequest() || o.Header.Get("X-A") != "sent" {
				done <- fmt.Sprintf("split original request %v", o)
				return
			}
			w := sc.ResponseWriter()
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, "nobody reads this")
			sc.MarkServed()
			if !sc.Served() || c.Served() {
				done <- "MarkServed of the split context leaked"
				return
			}
			done <- ""
		}}
	}})
	be := backend(t, nil)
	fx := startProxyReg(t, reg, Options{FilterMetrics: rec}, netRoute("r", "/", be.URL, f("extras")))
	req := mustReq(t, "GET", fx.url("/"), nil)
	req.Header.Set("X-A", "sent")
	rsp, body := do(t, req)
	if msg := <-done; msg != "" {
		t.Error(msg)
	}
	if rsp.StatusCode != 200 || body != "backend" {
		t.Errorf("main request got %d %q", rsp.StatusCode, body)
	}
	// The request's context and the split one record into Options.FilterMetrics.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.counters["a"] != 4 || rec.counters["b"] != 0.5 || rec.times["c"] != 1 {
		t.Errorf("recorded %v and %v, want a=4 (1+2, then 1 from the split context), b=0.5, c measured once", rec.counters, rec.times)
	}
}

// keeper is a filter that hands its context and writer out, as a filter
// that wrongly keeps them would.
func keeperRegistry(kept chan<- filters.FilterContext, writers chan<- http.ResponseWriter) filters.Registry {
	reg := testRegistry()
	reg.Register(testSpec{"keep", func([]any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) {
			kept <- c
			writers <- c.ResponseWriter()
		}}
	}})
	return reg
}

func mustPanicEnded(t *testing.T, what string, use func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if p := recover(); p != errContextEnded {
			t.Errorf("%s after the request: panic %v, want %q", what, p, errContextEnded)
		}
	}()
	use()
}

func TestContextUsedAfterRequestPanics(t *testing.T) {
	kept := make(chan filters.FilterContext, 1)
	writers := make(chan http.ResponseWriter, 1)
	be := backend(t, nil)
	fx := startProxyReg(t, keeperRegistry(kept, writers), Options{}, netRoute("r", "/", be.URL, f("keep")))
	get(t, fx.url("/"))
	c, w := <-kept, <-writers
	for name, use := range map[string]func(){
		"Request":          func() { c.Request() },
		"Response":         func() { c.Response() },
		"OriginalRequest":  func() { c.OriginalRequest() },
		"OriginalResponse": func() { c.OriginalResponse() },
		"StateBag":         func() { c.StateBag() },
		"PathParam":        func() { c.PathParam("x") },
		"Served":           func() { c.Served() },
		"Serve":            func() { c.Serve(&http.Response{}) },
		"MarkServed":       func() { c.MarkServed() },
		"ResponseWriter":   func() { c.ResponseWriter() },
		"Metrics":          func() { c.Metrics() },
		"BackendUrl":       func() { c.BackendUrl() },
		"OutgoingHost":     func() { c.OutgoingHost() },
		"SetOutgoingHost":  func() { c.SetOutgoingHost("x") },
		"RouteId":          func() { c.RouteId() },
		"Logger":           func() { c.Logger() },
		"Loopback":         func() { c.Loopback() },
		"Split":            func() { _, _ = c.Split() },
		"kept writer":      func() { w.Header() },
	} {
		mustPanicEnded(t, name, use)
	}
}

// TestKeptWriterAfterReuse: a kept ResponseWriter notices that its
// context serves another request now.
func TestKeptWriterAfterReuse(t *testing.T) {
	p := New(Options{Tables: staticTables{buildTable(t)}})
	defer p.Close()
	c := p.getCtx()
	c.req, c.w = httptest.NewRequest("GET", "/", nil), httptest.NewRecorder()
	w := c.ResponseWriter()
	c.reset()
	c.req, c.w = httptest.NewRequest("GET", "/", nil), httptest.NewRecorder() // the next request
	mustPanicEnded(t, "writer of an earlier request", func() { w.Write([]byte("x")) })
}

// TestDebugContextsAreNotReused: with debugContexts every request gets a
// fresh context, so a kept one stays ended even after later requests.
func TestDebugContextsAreNotReused(t *testing.T) {
	debugContexts.Store(true)
	defer debugContexts.Store(false)
	p := New(Options{Tables: staticTables{buildTable(t)}})
	defer p.Close()
	first := p.takeCtx()
	first.req = httptest.NewRequest("GET", "/", nil)
	p.putCtx(first)
	for range 10 {
		c := p.takeCtx()
		if c == first {
			t.Fatal("debug mode reused a context")
		}
		c.req = httptest.NewRequest("GET", "/", nil)
		p.putCtx(c)
	}
	mustPanicEnded(t, "StateBag", func() { first.StateBag() })
}

func TestContextReleaseKeepsHeaderStorage(t *testing.T) {
	p := New(Options{Tables: staticTables{buildTable(t)}})
	defer p.Close()
	c := p.getCtx()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-A", "1")
	c.req = r
	c.keepOriginalRequest()
	c.reset()
	if cap(c.orig.header.names) == 0 || c.orig.header.names[:1][0] != "" {
		t.Error("header storage dropped or still holding the old names")
	}
	r2 := httptest.NewRequest("GET", "/", nil)
	for i := range maxKeptHeader + 1 {
		r2.Header.Set(fmt.Sprintf("X-%d", i), "v")
	}
	c.req = r2
	c.keepOriginalRequest()
	if n := len(c.OriginalRequest().Header); n != maxKeptHeader+1 {
		t.Errorf("%d header fields kept", n)
	}
	c.reset()
	if cap(c.orig.header.names) != 0 {
		t.Error("oversized header storage kept for the next request")
	}
}

// BenchmarkKeepOriginalRequest is what a request pays before its filters
// run for OriginalRequest to work: a walk over a browser-like header into
// storage the context reuses, without allocation.
func BenchmarkKeepOriginalRequest(b *testing.B) {
	r := httptest.NewRequest("GET", "/path?query=1", nil)
	for k, v := range map[string]string{
		"Accept": "text/html", "Accept-Encoding": "gzip, br", "Accept-Language": "en", "Cache-Control": "no-cache",
		"Cookie": "a=b; c=d", "User-Agent": "Mozilla/5.0", "Referer": "https://example.org/",
		"X-Forwarded-For": "10.0.0.1", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none",
		"Connection": "keep-alive", "Upgrade-Insecure-Requests": "1",
	} {
		r.Header.Set(k, v)
	}
	c := &reqCtx{}
	b.ReportAllocs()
	for b.Loop() {
		c.req = r
		c.keepOriginalRequest()
		c.orig.release()
	}
}

// TestBeforeFilters: serveRoute's hook keeps the request before the
// proxy's own changes when forwarding (hop-by-hop fields, URL, Host), for
// filters that first ask in the response phase; a route without filters
// leaves it to later routes.
func TestBeforeFilters(t *testing.T) {
	p := New(Options{Tables: staticTables{buildTable(t)}})
	defer p.Close()
	c := p.getCtx()
	defer p.putCtx(c)
	r := httptest.NewRequest("GET", "http://front.example/a", nil)
	r.Header.Set("Te", "trailers, deflate")
	r.Header.Set("Connection", "X-Hop")
	r.Header.Set("X-Hop", "1")
	c.req, c.w = r, httptest.NewRecorder()

	c.beforeFilters(&routing.Route{})
	if c.orig.kept {
		t.Fatal("kept for a route without filters")
	}
	c.beforeFilters(&routing.Route{Filters: []*routing.RouteFilter{{Name: "x", Filter: funcFilter{}}}})
	removeRequestHopHeaders(r.Header) // what forwarding does
	r.URL.Scheme, r.URL.Host, r.Host = "http", "backend:80", "backend"
	o := c.OriginalRequest()
	if o.Header.Get("Te") != "trailers, deflate" || o.Header.Get("X-Hop") != "1" || o.Host != "front.example" || o.URL.Host != "front.example" {
		t.Errorf("original request %v Host %q header %v", o.URL, o.Host, o.Header)
	}
}
