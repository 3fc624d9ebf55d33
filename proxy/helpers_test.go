package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// staticTables serves one table built from route definitions.
type staticTables struct{ t *routing.Table }

func (s staticTables) Acquire() *routing.Table { return s.t }

// testSpec is a filter spec made of two funcs.
type testSpec struct {
	name   string
	create func(args []any) filters.Filter
}

func (s testSpec) Name() string { return s.name }
func (s testSpec) CreateFilter(args []any) (filters.Filter, error) {
	return s.create(args), nil
}

type funcFilter struct {
	req, rsp func(filters.FilterContext)
}

func (f funcFilter) Request(c filters.FilterContext) {
	if f.req != nil {
		f.req(c)
	}
}
func (f funcFilter) Response(c filters.FilterContext) {
	if f.rsp != nil {
		f.rsp(c)
	}
}

type errFilter struct{ funcFilter }

func (errFilter) HandleErrorResponse() bool { return true }

func str(a []any, i int) string { return a[i].(string) }

// testRegistry has the filters the tests use:
//
//	trace(n): request appends n to X-Trace on the request, response appends
//	  n to X-Trace on the response
//	serve(status): answers with status and body "served"
//	panic(): panics in the request phase
//	errh(): error-handling filter, sets X-Err-Handled
//	bag(key, value): stores a string in the state bag
//	dur(key, ms): stores a time.Duration in the state bag
//	path(p): sets the request path
//	param(name): response header X-Param-<name> = path param
func testRegistry() filters.Registry {
	reg := filters.Registry{}
	reg.Register(testSpec{"trace", func(a []any) filters.Filter {
		n := str(a, 0)
		return funcFilter{
			req: func(c filters.FilterContext) { c.Request().Header.Add("X-Trace", n) },
			rsp: func(c filters.FilterContext) { c.Response().Header.Add("X-Trace", n) },
		}
	}})
	reg.Register(testSpec{"serve", func(a []any) filters.Filter {
		st := int(a[0].(float64))
		return funcFilter{req: func(c filters.FilterContext) {
			c.Serve(&http.Response{StatusCode: st, Body: io.NopCloser(strings.NewReader("served"))})
		}}
	}})
	reg.Register(testSpec{"panic", func(a []any) filters.Filter {
		return funcFilter{req: func(filters.FilterContext) { panic("boom") }}
	}})
	reg.Register(testSpec{"errh", func(a []any) filters.Filter {
		return errFilter{funcFilter{rsp: func(c filters.FilterContext) { c.Response().Header.Set("X-Err-Handled", "yes") }}}
	}})
	reg.Register(testSpec{"bag", func(a []any) filters.Filter {
		k, v := str(a, 0), str(a, 1)
		return funcFilter{req: func(c filters.FilterContext) { c.StateBag()[k] = v }}
	}})
	reg.Register(testSpec{"dur", func(a []any) filters.Filter {
		k, d := str(a, 0), time.Duration(a[1].(float64))*time.Millisecond
		return funcFilter{req: func(c filters.FilterContext) { c.StateBag()[k] = d }}
	}})
	reg.Register(testSpec{"path", func(a []any) filters.Filter {
		p := str(a, 0)
		return funcFilter{req: func(c filters.FilterContext) { c.Request().URL.Path = p }}
	}})
	reg.Register(testSpec{"param", func(a []any) filters.Filter {
		n := str(a, 0)
		return funcFilter{rsp: func(c filters.FilterContext) { c.Response().Header.Add("X-Param-"+n, c.PathParam(n)) }}
	}})
	reg.Register(testSpec{"host", func(a []any) filters.Filter {
		h := str(a, 0)
		return funcFilter{req: func(c filters.FilterContext) { c.SetOutgoingHost(h) }}
	}})
	reg.Register(testSpec{"logOff", func(a []any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) { c.StateBag()[filters.AccessLogEnabled] = false }}
	}})
	return reg
}

func f(name string, args ...any) *eskip.Filter { return &eskip.Filter{Name: name, Args: args} }

func buildTable(t testing.TB, defs ...*eskip.Route) *routing.Table {
	t.Helper()
	return buildTableReg(t, testRegistry(), defs...)
}

func buildTableReg(t testing.TB, reg filters.Registry, defs ...*eskip.Route) *routing.Table {
	t.Helper()
	tbl := routing.Build(defs, routing.BuildOptions{
		Filters:        reg,
		PostProcessors: []routing.PostProcessor{loadbalancer.NewPostProcessor(healthcheck.New(healthcheck.Config{}))},
	})
	for _, inv := range tbl.Invalid() {
		t.Fatalf("invalid route: %v", inv)
	}
	return tbl
}

// recordingLog collects access entries.
type recordingLog struct {
	mu      sync.Mutex
	entries []AccessEntry
}

func (l *recordingLog) Log(e AccessEntry) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

func (l *recordingLog) last(t *testing.T) AccessEntry {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) == 0 {
		t.Fatal("no access log entry")
	}
	return l.entries[len(l.entries)-1]
}

type fixture struct {
	proxy  *Proxy
	server *httptest.Server
	log    *recordingLog
}

// startProxy serves defs through a Proxy on an httptest server.
func startProxy(t *testing.T, o Options, defs ...*eskip.Route) *fixture {
	t.Helper()
	return startProxyReg(t, testRegistry(), o, defs...)
}

func startProxyReg(t *testing.T, reg filters.Registry, o Options, defs ...*eskip.Route) *fixture {
	t.Helper()
	fx := &fixture{log: &recordingLog{}}
	o.Tables = staticTables{buildTableReg(t, reg, defs...)}
	if o.AccessLog == nil {
		o.AccessLog = fx.log
	}
	if o.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		o.Log = l
	}
	fx.proxy = New(o)
	fx.server = httptest.NewServer(fx.proxy)
	t.Cleanup(func() {
		fx.server.Close()
		_ = fx.proxy.Close()
	})
	return fx
}

func (fx *fixture) url(path string) string { return fx.server.URL + path }

// get does a request through the proxy and returns the response with its
// body read.
func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{""} // the test client sends none
	}
	rsp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return rsp, string(b)
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// backend starts an httptest server; its handler echoes some request facts
// in response headers unless h is given.
func backend(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	if h == nil {
		h = echo
	}
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Got-Host", r.Host)
	w.Header().Set("X-Got-Uri", r.RequestURI)
	w.Header().Set("X-Got-Trace", strings.Join(r.Header.Values("X-Trace"), ","))
	w.Header().Set("X-Got-UA", strings.Join(r.Header.Values("User-Agent"), ","))
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Got-Body", string(b))
	_, _ = io.WriteString(w, "backend")
}

func netRoute(id, path, backend string, fs ...*eskip.Filter) *eskip.Route {
	return &eskip.Route{Id: id, Path: path, Filters: fs, BackendType: eskip.NetworkBackend, Backend: backend}
}
