package routing

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

// trackedFilter counts its own closes.
type trackedFilter struct {
	noopFilter
	closes atomic.Int32
}

func (f *trackedFilter) Close() error { f.closes.Add(1); return nil }

// trackingSpec records every filter it creates; it fails on "bad".
type trackingSpec struct {
	mu      sync.Mutex
	created []*trackedFilter
}

func (*trackingSpec) Name() string { return "tracked" }
func (s *trackingSpec) CreateFilter(args []any) (filters.Filter, error) {
	if len(args) > 0 && args[0] == "bad" {
		return nil, filters.ErrInvalidFilterParameters
	}
	f := &trackedFilter{}
	s.mu.Lock()
	s.created = append(s.created, f)
	s.mu.Unlock()
	return f, nil
}

// TestFiltersClosedOnceAndNeverWhileHeld churns routes (full sets,
// changes, deletes, invalid routes, equal definitions sent again) while
// readers hold tables across several swaps: a filter of a held table is
// never closed, and after shutdown every filter was closed exactly once.
func TestFiltersClosedOnceAndNeverWhileHeld(t *testing.T) {
	spec := &trackingSpec{}
	o := testOptions()
	o.Filters.Register(spec)
	a := newChanClient("a")
	rr := startRouting(t, Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}, Coalesce: -1})

	rng := rand.New(rand.NewPCG(7, 7))
	gen := func(id, v int) *eskip.Route {
		r := route(fmt.Sprintf("r%d", id), p("Path", fmt.Sprintf("/r/%d", id)))
		arg := any(float64(v))
		if v%7 == 0 {
			arg = "bad"
		}
		r.Filters = []*eskip.Filter{{Name: "tracked", Args: []any{arg}}, {Name: "tracked"}}
		if v%11 == 0 {
			r.Predicates = append(r.Predicates, p("Nope")) // fails after creating the filters
		}
		return r
	}
	full := func(v int) []*eskip.Route {
		var defs []*eskip.Route
		for i := range 40 {
			defs = append(defs, gen(i, v+i))
		}
		return defs
	}
	a.send(t, dataclients.Update{Reset: true, Upserts: full(1)})
	<-rr.FirstLoad()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _ := http.NewRequest("GET", fmt.Sprintf("http://h/r/%d", w), nil)
			var held []*Table
			var ps Params
			for i := 0; ; i++ {
				select {
				case <-stop:
					for _, tbl := range held {
						tbl.Release()
					}
					return
				default:
				}
				tbl := rr.Acquire()
				held = append(held, tbl)
				for _, h := range held {
					ps.Reset()
					if rt := h.Match(r, &ps); rt != nil {
						for _, f := range rt.Filters {
							if f.Filter.(*trackedFilter).closes.Load() != 0 {
								bad.Add(1)
							}
						}
					}
				}
				if len(held) > 3 || i%5 == 0 {
					held[0].Release()
					held = held[1:]
				}
			}
		}()
	}
	for n := 2; n <= 80; n++ {
		switch n % 4 {
		case 0:
			a.send(t, dataclients.Update{Reset: true, Upserts: full(n)})
		case 1:
			a.send(t, dataclients.Update{Deletes: []string{fmt.Sprintf("r%d", rng.IntN(40))}})
		case 2:
			a.send(t, dataclients.Update{Upserts: full(n - 2)[:5]}) // often equal to what is there
		default:
			id := rng.IntN(40)
			a.send(t, dataclients.Update{Upserts: []*eskip.Route{gen(id, n)}})
		}
	}
	close(stop)
	wg.Wait()
	rr.stop()
	if bad.Load() != 0 {
		t.Fatalf("%d filters seen closed in a held table", bad.Load())
	}
	spec.mu.Lock()
	defer spec.mu.Unlock()
	for i, f := range spec.created {
		if n := f.closes.Load(); n != 1 {
			t.Errorf("filter %d of %d closed %d times", i, len(spec.created), n)
		}
	}
}
