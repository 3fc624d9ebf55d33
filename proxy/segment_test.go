package proxy

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/predicates/traffic"
	"github.com/skiff-proxy/skiff/routing"
)

// alternating returns 0.25, 0.75, 0.25, ... and counts its calls.
type alternating struct{ n atomic.Int64 }

func (a *alternating) next() float64 {
	if a.n.Add(1)%2 == 1 {
		return 0.25
	}
	return 0.75
}

func segRoute(id, path string, lo, hi float64, backend eskip.BackendType, fs ...*eskip.Filter) *eskip.Route {
	return &eskip.Route{
		Id: id, Path: path, Filters: fs, BackendType: backend,
		Predicates: []*eskip.Predicate{{Name: traffic.TrafficSegmentName, Args: []any{lo, hi}}},
	}
}

func segmentTable(t *testing.T, rnd func() float64, defs ...*eskip.Route) *routing.Table {
	t.Helper()
	preds := routing.PredicateRegistry{}
	preds.Register(traffic.NewTrafficSegment(traffic.Options{Rand: rnd}))
	tbl := routing.Build(defs, routing.BuildOptions{Filters: testRegistry(), Predicates: preds})
	for _, inv := range tbl.Invalid() {
		t.Fatalf("invalid route: %v", inv)
	}
	return tbl
}

func TestTrafficSegmentSharedPerRequest(t *testing.T) {
	rnd := &alternating{}
	tbl := segmentTable(t, rnd.next,
		segRoute("low", "/seg", 0, 0.5, eskip.ShuntBackend, f("serve", 200.0)),
		segRoute("high", "/seg", 0.5, 1, eskip.ShuntBackend, f("serve", 201.0)),
		// A loopback keeps the number: the outer low half only ever
		// reaches the inner low half.
		segRoute("outerLow", "/loop", 0, 0.5, eskip.LoopBackend, f("path", "/inner")),
		segRoute("outerHigh", "/loop", 0.5, 1, eskip.ShuntBackend, f("serve", 202.0)),
		segRoute("innerLow", "/inner", 0, 0.5, eskip.ShuntBackend, f("serve", 203.0)),
		segRoute("innerHigh", "/inner", 0.5, 1, eskip.ShuntBackend, f("serve", 204.0)),
	)
	p := New(Options{Tables: staticTables{tbl}})
	defer p.Close()

	for _, tc := range []struct {
		path string
		want map[int]int
	}{
		{"/seg", map[int]int{200: 50, 201: 50}},
		{"/loop", map[int]int{203: 50, 202: 50}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got := map[int]int{}
			before := rnd.n.Load()
			for range 100 {
				w := httptest.NewRecorder()
				p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tc.path, nil))
				got[w.Code]++
			}
			if draws := rnd.n.Load() - before; draws != 100 {
				t.Errorf("%d random draws for 100 requests, want one each", draws)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("statuses %v, want %v", got, tc.want)
			}
			for st, n := range tc.want {
				if got[st] != n {
					t.Errorf("status %d: %d times, want %d (all: %v)", st, got[st], n, got)
				}
			}
		})
	}
}

func TestSegmentTablesDetection(t *testing.T) {
	plain := buildTable(t, netRoute("a", "/a", "http://127.0.0.1:1"))
	seg := segmentTable(t, nil, segRoute("s", "/s", 0, 1, eskip.ShuntBackend))
	for _, tc := range []struct {
		name string
		t    *routing.Table
		want bool
	}{
		{"nil", nil, false}, {"plain", plain, false}, {"segment", seg, true},
	} {
		if got := usesSegments(tc.t); got != tc.want {
			t.Errorf("%s: uses = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// BenchmarkProxyTrafficSegment is BenchmarkProxy's /bench route split in
// two TrafficSegment halves: the cost of the per-request segment.
func BenchmarkProxyTrafficSegment(b *testing.B) {
	be := cannedBackend(b)
	low := netRoute("low", "/bench", be)
	low.Predicates = []*eskip.Predicate{{Name: traffic.TrafficSegmentName, Args: []any{0.0, 0.5}}}
	high := netRoute("high", "/bench", be)
	high.Predicates = []*eskip.Predicate{{Name: traffic.TrafficSegmentName, Args: []any{0.5, 1.0}}}
	preds := routing.PredicateRegistry{}
	preds.Register(traffic.NewTrafficSegment(traffic.Options{}))
	tbl := routing.Build([]*eskip.Route{low, high}, routing.BuildOptions{Filters: testRegistry(), Predicates: preds})
	p := New(Options{Tables: staticTables{tbl}})
	defer p.Close()
	req := httptest.NewRequest("GET", "/bench", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		p.ServeHTTP(w, req)
	}
}
