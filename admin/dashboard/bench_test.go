package dashboard

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/admin"
	"github.com/skiff-proxy/skiff/eskip"
)

// manyRoutes makes n routes: per host, a few paths, some load-balanced.
func manyRoutes(n int) []*eskip.Route {
	rs := make([]*eskip.Route, 0, n)
	for i := range n {
		r := &eskip.Route{
			Id:          fmt.Sprintf("svc%d_r%d", i/10, i%10),
			HostRegexps: []string{fmt.Sprintf("^svc%d[.]example[.]org$", i/10)},
			Path:        fmt.Sprintf("/api/v%d/items/:id", i%10),
			Pos:         eskip.Position{Source: "big.eskip", Line: i + 1, Column: 1},
		}
		if i%3 == 0 {
			r.BackendType = eskip.LBBackend
			r.LBAlgorithm = "roundRobin"
			r.LBEndpoints = []*eskip.LBEndpoint{{Address: fmt.Sprintf("http://127.0.0.1:%d", 10000+i%5000)}, {Address: fmt.Sprintf("http://127.0.0.2:%d", 10000+i%5000)}}
		} else {
			r.Backend = fmt.Sprintf("http://127.0.0.1:%d", 20000+i%5000)
		}
		rs = append(rs, r)
	}
	return rs
}

// A dashboard over 100,000 routes: each answer of the page costs
// milliseconds, the first search of a table more (it prints every route
// once), and none sends more than a page.
func TestHundredThousandRoutes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 routes")
	}
	rt, _ := startRouting(t, manyRoutes(100_000))
	counts := map[string]RouteCount{}
	for i := range 10_000 {
		counts[fmt.Sprintf("svc%d_r%d", i, i%10)] = RouteCount{uint64(i), 0}
	}
	var eps []admin.EndpointView
	for i := range 10_000 {
		eps = append(eps, admin.EndpointView{Address: fmt.Sprintf("http://127.0.0.1:%d", 10000+i), State: "healthy", FadeIn: 1, Routes: []string{fmt.Sprintf("svc%d_r0", i)}})
	}
	d := New(Options{Tables: rt, Counts: CountsFunc(func() map[string]RouteCount { return counts }), Endpoints: func() []admin.EndpointView { return eps }})
	d.sample()
	next := map[string]RouteCount{}
	for k, v := range counts {
		next[k] = RouteCount{v.Requests + 7, 1}
	}
	counts = next
	d.sampler.add(time.Now().Add(5*time.Second), counts)

	for _, target := range []string{
		"/dashboard/api/summary",
		"/dashboard/api/routes",
		"/dashboard/api/routes?q=svc4242",    // first search: builds the index
		"/dashboard/api/routes?q=svc4243_r3", // later searches use it
		"/dashboard/api/routes?q=roundrobin&offset=30000",
		"/dashboard/api/routes?sort=rps",
		"/dashboard/api/endpoints?q=10042",
		"/dashboard/api/explain?url=http://svc777.example.org/api/v7/items/1",
		"/dashboard/api/explain?url=/nothing",
	} {
		start := time.Now()
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		took := time.Since(start)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
		}
		t.Logf("%-70s %8s %7d bytes", target, took.Round(100*time.Microsecond), rec.Body.Len())
		if rec.Body.Len() > 200_000 {
			t.Errorf("%s: %d bytes", target, rec.Body.Len())
		}
		if strings.Contains(target, "svc4243_r3") && !strings.Contains(rec.Body.String(), `"matched":1,`) {
			t.Errorf("%s: %.300s", target, rec.Body)
		}
	}
}
