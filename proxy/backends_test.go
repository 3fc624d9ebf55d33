package proxy

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

func TestNetworkBackend(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{}, netRoute("r", "/a/*rest", be.URL+"/ignored?x=1", f("trace", "one")))

	rsp, body := get(t, fx.url("/a/b%2Fc?q=1&q=2&z"))
	if rsp.StatusCode != 200 || body != "backend" {
		t.Fatalf("got %d %q", rsp.StatusCode, body)
	}
	if got := rsp.Header.Get("X-Got-Uri"); got != "/a/b%2Fc?q=1&q=2&z" {
		t.Errorf("backend got uri %q", got)
	}
	if got, want := rsp.Header.Get("X-Got-Host"), strings.TrimPrefix(be.URL, "http://"); got != want {
		t.Errorf("backend got host %q, want %q", got, want)
	}
	if got := rsp.Header.Get("X-Got-UA"); got != "" {
		t.Errorf("user agent added: %q", got)
	}
	if got := rsp.Header.Get("Server"); got != "skiff" {
		t.Errorf("Server %q", got)
	}
	e := fx.log.last(t)
	if e.Status != 200 || e.RouteId != "r" || e.URI != "/a/b%2Fc?q=1&q=2&z" || e.BytesWritten != 7 || e.Method != "GET" {
		t.Errorf("access entry %+v", e)
	}
}

func TestOutgoingHost(t *testing.T) {
	be := backend(t, nil)
	for _, tc := range []struct {
		name     string
		preserve bool
		filters  []*eskip.Filter
		want     string
	}{
		{"backend host", false, nil, strings.TrimPrefix(be.URL, "http://")},
		{"preserve host", true, nil, "front.example"},
		{"filter wins", true, []*eskip.Filter{f("host", "custom.example")}, "custom.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := startProxy(t, Options{PreserveHost: tc.preserve}, netRoute("r", "/", be.URL, tc.filters...))
			req, _ := http.NewRequest("GET", fx.url("/"), nil)
			req.Host = "front.example"
			rsp, _ := do(t, req)
			if got := rsp.Header.Get("X-Got-Host"); got != tc.want {
				t.Errorf("Host %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStripDefaultPort(t *testing.T) {
	for _, tc := range []struct{ scheme, in, want string }{
		{"http", "example.org:80", "example.org"},
		{"https", "example.org:443", "example.org"},
		{"http", "example.org:443", "example.org:443"},
		{"https", "[::1]:443", "[::1]"},
		{"http", "example.org:8080", "example.org:8080"},
	} {
		if got := stripDefaultPort(tc.scheme, tc.in); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.scheme, tc.in, got, tc.want)
		}
	}
}

func TestHopHeaders(t *testing.T) {
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"Keep-Alive", "X-Private", "Proxy-Authorization", "X-Keep"} {
			w.Header().Set("X-Saw-"+h, r.Header.Get(h))
		}
		w.Header().Set("Connection", "X-Secret")
		w.Header().Set("X-Secret", "s")
		w.Header().Set("Keep-Alive", "timeout=5")
	})
	for _, keep := range []bool{false, true} {
		fx := startProxy(t, Options{KeepHopHeaders: keep}, netRoute("r", "/", be.URL))
		req, _ := http.NewRequest("GET", fx.url("/"), nil)
		req.Header.Set("Connection", "X-Private")
		req.Header.Set("X-Private", "p")
		req.Header.Set("Keep-Alive", "300")
		req.Header.Set("Proxy-Authorization", "Basic x")
		req.Header.Set("X-Keep", "k")
		rsp, _ := do(t, req)
		want := ""
		if keep {
			want = "p"
		}
		if got := rsp.Header.Get("X-Saw-X-Private"); got != want {
			t.Errorf("keep=%v: connection-listed header reached backend as %q", keep, got)
		}
		if got := rsp.Header.Get("X-Saw-Proxy-Authorization"); (got != "") != keep {
			t.Errorf("keep=%v: Proxy-Authorization %q", keep, got)
		}
		if got := rsp.Header.Get("X-Saw-X-Keep"); got != "k" {
			t.Errorf("end-to-end header lost: %q", got)
		}
		if got := rsp.Header.Get("X-Secret"); (got != "") != keep {
			t.Errorf("keep=%v: response connection-listed header %q", keep, got)
		}
	}
}

func TestShunt(t *testing.T) {
	fx := startProxy(t, Options{}, &eskip.Route{Id: "s", Path: "/", BackendType: eskip.ShuntBackend, Filters: []*eskip.Filter{f("trace", "x")}})
	rsp, body := do(t, mustReq(t, "POST", fx.url("/"), strings.NewReader("payload")))
	if rsp.StatusCode != 404 || body != "" {
		t.Fatalf("got %d %q", rsp.StatusCode, body)
	}
	if rsp.Header.Get("X-Trace") != "x" || rsp.Header.Get("Server") != "skiff" {
		t.Errorf("headers %v", rsp.Header)
	}
}

func mustReq(t *testing.T, method, url string, body interface{ Read([]byte) (int, error) }) *http.Request {
	t.Helper()
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequest(method, url, nil)
	} else {
		req, err = http.NewRequest(method, url, body)
	}
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestLoopback(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{},
		&eskip.Route{Id: "outer", Path: "/a/:x", BackendType: eskip.LoopBackend,
			Filters: []*eskip.Filter{f("trace", "outer"), f("param", "x"), f("path", "/b/2")}},
		netRoute("inner", "/b/:y", be.URL, f("trace", "inner"), f("param", "y"), f("param", "x")),
		&eskip.Route{Id: "loop", Path: "/loop", BackendType: eskip.LoopBackend},
	)
	rsp, body := get(t, fx.url("/a/1"))
	if rsp.StatusCode != 200 || body != "backend" {
		t.Fatalf("got %d %q", rsp.StatusCode, body)
	}
	if got := rsp.Header.Get("X-Got-Uri"); got != "/b/2" {
		t.Errorf("backend uri %q", got)
	}
	if got := rsp.Header.Get("X-Got-Trace"); got != "outer,inner" {
		t.Errorf("request filters %q", got)
	}
	if got := strings.Join(rsp.Header.Values("X-Trace"), ","); got != "inner,outer" {
		t.Errorf("response filters %q", got)
	}
	// Inner route sees both params; the outer one keeps its own after return.
	if got := rsp.Header.Values("X-Param-X"); len(got) != 2 || got[0] != "1" || got[1] != "1" {
		t.Errorf("param x %q", got)
	}
	if got := rsp.Header.Get("X-Param-Y"); got != "2" {
		t.Errorf("param y %q", got)
	}

	rsp, body = get(t, fx.url("/loop"))
	if rsp.StatusCode != 500 || body != "Internal Server Error\n" {
		t.Errorf("max loopbacks: %d %q", rsp.StatusCode, body)
	}
}

func TestDynamicBackend(t *testing.T) {
	be := backend(t, nil)
	beHost := strings.TrimPrefix(be.URL, "http://")
	for _, tc := range []struct {
		name    string
		filters []*eskip.Filter
		status  int
	}{
		{"url", []*eskip.Filter{f("bag", filters.DynamicBackendURL, be.URL+"/x")}, 200},
		{"host and scheme", []*eskip.Filter{f("bag", filters.DynamicBackendHost, beHost), f("bag", filters.DynamicBackendScheme, "http")}, 200},
		{"host only", []*eskip.Filter{f("bag", filters.DynamicBackendHost, beHost)}, 200},
		{"bad url", []*eskip.Filter{f("bag", filters.DynamicBackendURL, "::")}, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := startProxy(t, Options{}, &eskip.Route{Id: "d", Path: "/p", BackendType: eskip.DynamicBackend, Filters: tc.filters})
			rsp, _ := get(t, fx.url("/p"))
			if rsp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", rsp.StatusCode, tc.status)
			}
			if tc.status == 200 {
				if got := rsp.Header.Get("X-Got-Uri"); got != "/p" {
					t.Errorf("uri %q", got)
				}
				if got := rsp.Header.Get("X-Got-Host"); got != beHost {
					t.Errorf("host %q", got)
				}
			}
		})
	}
}

func TestDynamicBackendDefaultsToRequestHost(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{}, &eskip.Route{Id: "d", Path: "/p", BackendType: eskip.DynamicBackend})
	req := mustReq(t, "GET", fx.url("/p"), nil)
	req.Host = strings.TrimPrefix(be.URL, "http://")
	rsp, body := do(t, req)
	if rsp.StatusCode != 200 || body != "backend" {
		t.Fatalf("got %d %q", rsp.StatusCode, body)
	}
}

// deadAddr returns an address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func lbRoute(id, path string, endpoints ...string) *eskip.Route {
	r := &eskip.Route{Id: id, Path: path, BackendType: eskip.LBBackend}
	for _, e := range endpoints {
		r.LBEndpoints = append(r.LBEndpoints, &eskip.LBEndpoint{Address: e})
	}
	return r
}

func TestLoadBalancedRoundRobin(t *testing.T) {
	var hits [3]atomic.Int32
	var servers []string
	for i := range hits {
		s := backend(t, func(w http.ResponseWriter, r *http.Request) { hits[i].Add(1) })
		servers = append(servers, s.URL)
	}
	fx := startProxy(t, Options{}, lbRoute("lb", "/", servers...))
	for range 30 {
		if rsp, _ := get(t, fx.url("/")); rsp.StatusCode != 200 {
			t.Fatalf("status %d", rsp.StatusCode)
		}
	}
	for i := range hits {
		if n := hits[i].Load(); n != 10 {
			t.Errorf("endpoint %d got %d requests, want 10", i, n)
		}
	}
}

func TestLoadBalancedRetryAvoidsFailedEndpoint(t *testing.T) {
	var hits atomic.Int32
	live := backend(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	dead := "http://" + deadAddr(t)
	fx := startProxy(t, Options{}, lbRoute("lb", "/", dead, live.URL))

	for i := range 10 {
		rsp, _ := get(t, fx.url("/"))
		if rsp.StatusCode != 200 {
			t.Fatalf("GET %d: status %d; a retry must not pick the endpoint that failed", i, rsp.StatusCode)
		}
	}
	// A request with a body goes to the other endpoint too: a failed dial
	// read none of it. Small bodies are buffered first; a large one of
	// unknown length is streamed, and arrives whole.
	for _, size := range []int{1, 1 << 20} {
		for i := range 10 {
			payload := strings.Repeat("x", size)
			req := mustReq(t, "POST", fx.url("/"), io.NopCloser(strings.NewReader(payload)))
			rsp, _ := do(t, req)
			if rsp.StatusCode != 200 {
				t.Fatalf("POST %d of %d bytes: status %d, want 200 after a retry", i, size, rsp.StatusCode)
			}
		}
	}
}

// TestLoadBalancedRetrySendsWholeBody: the body a retried request carries
// to the second endpoint is the client's, byte for byte.
func TestLoadBalancedRetrySendsWholeBody(t *testing.T) {
	var got atomic.Int64
	live := backend(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
	})
	// The first pick of a fresh proxy hits the dead endpoint half of the
	// time (the round-robin cursor starts at random); after that it is
	// marked dead and skipped, so each proxy serves one request.
	for _, size := range []int{10, 200 << 10} {
		for range 8 {
			dead := "http://" + deadAddr(t)
			fx := startProxy(t, Options{}, lbRoute("lb", "/", dead, live.URL))
			got.Store(-1)
			req := mustReq(t, "PUT", fx.url("/"), io.NopCloser(strings.NewReader(strings.Repeat("y", size))))
			rsp, _ := do(t, req)
			if rsp.StatusCode != 200 || got.Load() != int64(size) {
				t.Fatalf("PUT of %d bytes: status %d, backend read %d", size, rsp.StatusCode, got.Load())
			}
		}
	}
}

func TestLoadBalancedSingleDeadEndpoint(t *testing.T) {
	fx := startProxy(t, Options{}, lbRoute("lb", "/", "http://"+deadAddr(t)))
	rsp, body := get(t, fx.url("/"))
	if rsp.StatusCode != 502 || body != "Bad Gateway\n" {
		t.Fatalf("got %d %q", rsp.StatusCode, body)
	}
}

func TestKeepAliveReuse(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	be := httptest.NewUnstartedServer(http.HandlerFunc(echo))
	be.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	be.Start()
	defer be.Close()
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	for range 5 {
		get(t, fx.url("/"))
		do(t, mustReq(t, "HEAD", fx.url("/"), nil))
		do(t, mustReq(t, "POST", fx.url("/"), strings.NewReader("body")))
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 1 {
		t.Errorf("backend saw %d connections, want 1", conns)
	}
}

func TestTETrailersForwarded(t *testing.T) {
	be := backend(t, func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Te", r.Header.Get("Te")) })
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	for _, tc := range []struct{ in, want string }{{"trailers", "trailers"}, {"gzip, trailers;q=1", "trailers"}, {"gzip", ""}} {
		req := mustReq(t, "GET", fx.url("/"), nil)
		req.Header.Set("Te", tc.in)
		if rsp, _ := do(t, req); rsp.Header.Get("X-Te") != tc.want {
			t.Errorf("TE %q reached the backend as %q, want %q", tc.in, rsp.Header.Get("X-Te"), tc.want)
		}
	}
}

// Response filters see the request as the client sent it: its Host and an
// URL without the backend's address, as in skipper (cookie domains and
// redirects are built from them).
func TestResponseFiltersSeeIncomingRequest(t *testing.T) {
	type seen struct{ host, urlHost, scheme string }
	got := make(chan seen, 1)
	reg := testRegistry()
	reg.Register(testSpec{"seeRequest", func([]any) filters.Filter {
		return funcFilter{rsp: func(c filters.FilterContext) {
			r := c.Request()
			got <- seen{r.Host, r.URL.Host, r.URL.Scheme}
		}}
	}})
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {})
	for _, r := range []*eskip.Route{
		netRoute("net", "/", be.URL, f("seeRequest")),
		func() *eskip.Route {
			r := lbRoute("lb", "/", be.URL)
			r.Filters = []*eskip.Filter{f("seeRequest")}
			return r
		}(),
	} {
		fx := startProxyReg(t, reg, Options{}, r)
		req := mustReq(t, "GET", fx.url("/"), nil)
		req.Host = "www.example.org"
		if rsp, _ := do(t, req); rsp.StatusCode != 200 {
			t.Fatalf("%s: status %d", r.Id, rsp.StatusCode)
		}
		if s := <-got; s != (seen{"www.example.org", "", ""}) {
			t.Errorf("%s: response filter saw %+v", r.Id, s)
		}
	}
}

// A path a filter left relative goes out absolute.
func TestRelativePathGoesOutAbsolute(t *testing.T) {
	got := make(chan string, 1)
	be := backend(t, func(w http.ResponseWriter, r *http.Request) { got <- r.RequestURI })
	for _, tc := range []struct{ path, want string }{
		{"relative", "/relative?q=1"},
		{"a b", "/a%20b?q=1"},
		{"/abs", "/abs?q=1"},
	} {
		fx := startProxy(t, Options{}, netRoute("r", "/", be.URL, f("path", tc.path)))
		if rsp, _ := get(t, fx.url("/?q=1")); rsp.StatusCode != 200 {
			t.Fatalf("%s: status %d", tc.path, rsp.StatusCode)
		}
		if uri := <-got; uri != tc.want {
			t.Errorf("setPath(%q): backend got %q, want %q", tc.path, uri, tc.want)
		}
	}
}
