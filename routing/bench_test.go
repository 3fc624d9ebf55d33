package routing

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/internal/cputime"
)

// benchRoute is rN: Host("^svcN[.]example[.]org$") && PathSubtree("/api/v{N%7}")
// -> setRequestHeader("X-Route", "rN") -> "http://127.0.0.1:9001".
func benchRoute(n int) *eskip.Route {
	return &eskip.Route{
		Id:          fmt.Sprintf("r%d", n),
		HostRegexps: []string{fmt.Sprintf("^svc%d[.]example[.]org$", n)},
		Predicates:  []*eskip.Predicate{{Name: "PathSubtree", Args: []any{fmt.Sprintf("/api/v%d", n%7)}}},
		Filters:     []*eskip.Filter{{Name: "setRequestHeader", Args: []any{"X-Route", fmt.Sprintf("r%d", n)}}},
		BackendType: eskip.NetworkBackend,
		Backend:     "http://127.0.0.1:9001",
	}
}

func benchRoutes(n int) []*eskip.Route {
	defs := make([]*eskip.Route, n)
	for i := range defs {
		defs[i] = benchRoute(i)
	}
	return defs
}

func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{1, 10_000, 100_000} {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			tbl := Build(benchRoutes(n), testOptions())
			if len(tbl.Invalid()) > 0 {
				b.Fatal(tbl.Invalid()[0])
			}
			k := n / 2
			r, _ := http.NewRequest("GET", fmt.Sprintf("http://svc%d.example.org/api/v%d/users/42", k, k%7), nil)
			want := fmt.Sprintf("r%d", k)
			var ps Params
			if rt := tbl.Match(r, &ps); rt == nil || rt.Id != want || ps.Get("*") != "/users/42" {
				b.Fatalf("wrong match %v", rt)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ps.Reset()
				tbl.Match(r, &ps)
			}
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	benchBuild(b, benchRoutes(100_000), testOptions())
}

// benchBuild builds a table of defs from scratch in each round and reports
// the CPU time of a build and the heap the table keeps per route.
func benchBuild(b *testing.B, defs []*eskip.Route, o BuildOptions) {
	b.ReportAllocs()
	var heap uint64
	var cpu time.Duration
	for b.Loop() {
		var before, after runtime.MemStats
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := cputime.Process()
		b.StartTimer()
		tbl := Build(defs, o)
		b.StopTimer()
		cpu += cputime.Process() - c
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		if len(tbl.Routes()) != len(defs) || len(tbl.Invalid()) != 0 {
			b.Fatal("routes missing")
		}
		runtime.KeepAlive(tbl)
		b.StartTimer()
	}
	b.ReportMetric(float64(heap)/float64(len(defs)), "retained-B/route")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkUpdateToLive measures, at 100,000 routes, the time from a data
// client's update (one new route) reaching the Routing to the route
// answering lookups on the table Acquire returns.
func BenchmarkUpdateToLive(b *testing.B) {
	b.Run("copy-on-write", func(b *testing.B) { benchUpdateToLive(b, nil, false) })
	// A new version of a served route: the previous one is what a
	// rejected version would keep.
	b.Run("copy-on-write-edit", func(b *testing.B) { benchUpdateToLive(b, nil, true) })
	// A post-processor that is not route-local forces a full build (with
	// unchanged route instances reused).
	b.Run("full-rebuild", func(b *testing.B) { benchUpdateToLive(b, []PostProcessor{passPost{}}, false) })
}

type passPost struct{}

func (passPost) Do(rs []*Route) ([]*Route, []InvalidRoute) { return rs, nil }

// benchUpdateToLive sends one new route per iteration or, with edit, a
// new version of a served one.
func benchUpdateToLive(b *testing.B, pps []PostProcessor, edit bool) {
	const n = 100_000
	a := newChanClient("bench")
	log, _ := quietLogger()
	bo := testOptions()
	bo.PostProcessors = pps
	rt := New(Options{BuildOptions: bo, DataClients: []dataclients.DataClient{a}, Log: log})
	swapped := make(chan *Table, 1)
	rt.afterSwap = func(t *Table) {
		select {
		case swapped <- t:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- rt.Run(ctx) }()
	defer func() { cancel(); <-done }()

	select {
	case a.updates <- dataclients.Update{Reset: true, Upserts: benchRoutes(n)}:
	case <-ctx.Done():
	}
	<-rt.FirstLoad()
	<-swapped
	var ps Params
	var lat []time.Duration
	c := cputime.Process()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		// one change at a time, not a burst: let the coalescing window pass
		b.StopTimer()
		time.Sleep(DefaultCoalesce)
		b.StartTimer()
		i++
		start := time.Now()
		k := n + i
		def := benchRoute(k)
		if edit {
			k = (i * 7919) % n
			def = benchRoute(k)
			def.Filters[0].Args[1] = fmt.Sprintf("v%d", i)
		}
		want := def.Filters[0].Args[1]
		r, _ := http.NewRequest("GET", fmt.Sprintf("http://svc%d.example.org/api/v%d/x", k, k%7), nil)
		a.updates <- dataclients.Update{Upserts: []*eskip.Route{def}}
		for {
			<-swapped
			tbl := rt.Acquire()
			ps.Reset()
			m := tbl.Match(r, &ps)
			tbl.Release()
			if m != nil && m.Filters[0].Args[1] == want {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64((cputime.Process()-c).Microseconds())/1000/float64(len(lat)), "cpu-ms/op")
}
