package routing

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// The startup benchmarks use the shape of bench/startup.sh's routes file:
// rN: Host("^hN[.]example[.]org$") && Path("/pN") -> inlineContent(body) -> <shunt>;
const startupRoutes = 100_000

func startupRoute(n int, body string) *eskip.Route {
	return &eskip.Route{
		Id:          fmt.Sprintf("r%d", n),
		HostRegexps: []string{fmt.Sprintf("^h%d[.]example[.]org$", n)},
		Predicates:  []*eskip.Predicate{{Name: "Path", Args: []any{fmt.Sprintf("/p%d", n)}}},
		Filters:     []*eskip.Filter{{Name: "inlineContent", Args: []any{body}}},
		BackendType: eskip.ShuntBackend,
	}
}

func startupDefs(body string) []*eskip.Route {
	defs := make([]*eskip.Route, startupRoutes)
	for i := range defs {
		defs[i] = startupRoute(i, body)
	}
	return defs
}

// startupOptions are the test options with inlineContent and a
// post-processor, as the binary always has some (load balancing, metrics),
// reprocessable as the binary's are.
func startupOptions() BuildOptions {
	o := testOptions()
	o.Filters.Register(testFilterSpec{name: "inlineContent"})
	o.PostProcessors = []PostProcessor{reprocessablePass{}}
	return o
}

type reprocessablePass struct{ passPost }

func (reprocessablePass) Reprocessable() bool { return true }

// BenchmarkBuildStartup builds a table of 100,000 file routes from
// scratch and reports the heap the table keeps per route.
func BenchmarkBuildStartup(b *testing.B) {
	benchBuild(b, startupDefs("ok"), startupOptions())
}

// BenchmarkFullRebuild measures, at 100,000 routes, the time from a data
// client's full set in which every route changed (a new inlineContent
// body) reaching the Routing to the table that serves it being swapped in.
func BenchmarkFullRebuild(b *testing.B) {
	a := newChanClient("bench")
	log, _ := quietLogger()
	rt := New(Options{BuildOptions: startupOptions(), DataClients: []dataclients.DataClient{a}, Log: log})
	swapped := make(chan *Table, 1)
	rt.afterSwap = func(t *Table) { swapped <- t }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- rt.Run(ctx) }()
	defer func() { cancel(); <-done }()

	a.updates <- dataclients.Update{Reset: true, Upserts: startupDefs("v0")}
	<-swapped
	sets := [2][]*eskip.Route{startupDefs("v1"), startupDefs("v2")}
	probe, _ := http.NewRequest("GET", fmt.Sprintf("http://h%d.example.org/p%d", startupRoutes-1, startupRoutes-1), nil)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		b.StopTimer()
		time.Sleep(DefaultCoalesce) // no coalescing with the previous round
		runtime.GC()                // each round starts from the same heap
		set := sets[i%2]
		i++
		b.StartTimer()
		a.updates <- dataclients.Update{Reset: true, Upserts: set}
		tbl := <-swapped
		b.StopTimer()
		var ps Params
		if r := tbl.Match(probe, &ps); r == nil || r.Def != set[startupRoutes-1] {
			b.Fatal("the swapped table does not serve the new set")
		}
		b.StartTimer()
	}
}

// BenchmarkFirstLoad measures what the binary does at startup once the
// file is parsed: a new Routing receives 100,000 routes as its first full
// set; the time is from the update to the table's swap.
func BenchmarkFirstLoad(b *testing.B) {
	benchFirstLoad(b, startupDefs("ok"))
}

// BenchmarkFirstLoadNetwork is BenchmarkFirstLoad for the shape of
// BACKEND=network bench/startup.sh: every route has a backend address of
// its own instead of inlineContent.
func BenchmarkFirstLoadNetwork(b *testing.B) {
	defs := startupDefs("ok")
	for i, d := range defs {
		d.Filters = nil
		d.BackendType = eskip.NetworkBackend
		d.Backend = fmt.Sprintf("http://127.%d.%d.%d:9", i/65536%256, i/256%256, i%256)
	}
	benchFirstLoad(b, defs)
}

func benchFirstLoad(b *testing.B, defs []*eskip.Route) {
	log, _ := quietLogger()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		a := newChanClient("bench")
		rt := New(Options{BuildOptions: startupOptions(), DataClients: []dataclients.DataClient{a}, Log: log})
		swapped := make(chan *Table, 1)
		rt.afterSwap = func(t *Table) { swapped <- t }
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- rt.Run(ctx) }()
		runtime.GC()
		b.StartTimer()
		a.updates <- dataclients.Update{Reset: true, Upserts: defs}
		<-swapped
		b.StopTimer()
		cancel()
		<-done
		b.StartTimer()
	}
}
