package proxy

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/metrics"
	"github.com/skiff-proxy/skiff/routing"
)

// metricsProxy is a proxy serving defs, with skiff's metrics when reg is
// set: the routes are bound to it when the table is built, as in Run.
func metricsProxy(tb testing.TB, reg *metrics.Registry, rt http.RoundTripper, defs ...*eskip.Route) *Proxy {
	tb.Helper()
	pps := []routing.PostProcessor{loadbalancer.NewPostProcessor(healthcheck.New(healthcheck.Config{}))}
	o := Options{Transport: rt}
	if reg != nil {
		pps = append(pps, reg.PostProcessor())
		o.Metrics = reg.NoRoute()
	}
	tbl := routing.Build(defs, routing.BuildOptions{Filters: testRegistry(), PostProcessors: pps})
	for _, inv := range tbl.Invalid() {
		tb.Fatalf("invalid route: %v", inv)
	}
	o.Tables = staticTables{tbl}
	return New(o)
}

func metricsBenchRoutes(tb testing.TB) []*eskip.Route {
	be := cannedBackend(tb)
	lb := make([]string, 4)
	for i := range lb {
		lb[i] = cannedBackend(tb)
	}
	return append(benchRoutes(be), lbRoute("lb", "/lb", lb...))
}

// BenchmarkProxyMetrics is BenchmarkProxy's request path with metrics
// off and on, over loopback TCP (h1 client, canned backends) and with the
// in-memory backend client of BenchmarkProxyMem; compare with
// benchstat -col /metrics.
func BenchmarkProxyMetrics(b *testing.B) {
	routes := metricsBenchRoutes(b)
	reg := metrics.New(metrics.Options{})
	for _, tr := range []struct {
		name string
		rt   http.RoundTripper
	}{{"net", nil}, {"mem", memTransport{}}} {
		for _, path := range []string{"/bench", "/filters", "/lb"} {
			for _, on := range []bool{false, true} {
				name := tr.name + path + "/metrics=off"
				var r *metrics.Registry
				if on {
					name = tr.name + path + "/metrics=on"
					r = reg
				}
				b.Run(name, func(b *testing.B) {
					p := metricsProxy(b, r, tr.rt, routes...)
					defer p.Close()
					benchServe(b, p, path)
				})
			}
		}
	}
}

// With metrics on a request allocates no more than with them off.
func TestMetricsAllocFree(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("measures allocations over many requests, which the race detector changes")
	}
	routes := metricsBenchRoutes(t)
	reg := metrics.New(metrics.Options{})
	for _, path := range []string{"/bench", "/filters", "/lb", "/none"} {
		allocs := func(reg *metrics.Registry) float64 {
			p := metricsProxy(t, reg, nil, routes...)
			defer p.Close()
			req := httptest.NewRequest("GET", path, nil)
			w := &discardWriter{h: http.Header{}}
			serve := func() {
				clear(w.h)
				delete(req.Header, "X-Trace")
				p.ServeHTTP(w, req)
			}
			serve() // the first request makes the connection
			return testing.AllocsPerRun(200, serve)
		}
		off, on := allocs(nil), allocs(reg)
		if on > off {
			t.Errorf("%s: %v allocations per request with metrics, %v without", path, on, off)
		}
	}
	if c := reg.RouteCounts(); c["bench"].Requests == 0 || c["lb"].Requests == 0 || c[metrics.NoRoute].Requests == 0 {
		t.Errorf("requests not counted: %v", c)
	}
}
