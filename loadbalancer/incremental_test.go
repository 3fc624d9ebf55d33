package loadbalancer

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

// chanClient delivers the updates sent on its channel.
type chanClient chan dataclients.Update

func (chanClient) Name() string { return "test" }

func (c chanClient) Run(ctx context.Context, out chan<- dataclients.Update) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case u := <-c:
			select {
			case out <- u:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// nonLocal hides RouteLocal, so routing has to rebuild the whole table.
type nonLocal struct{ pp routing.PostProcessor }

func (n nonLocal) Do(r []*routing.Route) ([]*routing.Route, []routing.InvalidRoute) {
	return n.pp.Do(r)
}

// lbRoute is route i in version v of its path: a change of the path, not
// only of the endpoints (which routing applies in place, without a new
// table), makes routing build a table.
func lbRoute(i, v int, endpoints ...string) *eskip.Route {
	r := &eskip.Route{Id: fmt.Sprintf("r%d", i), Path: fmt.Sprintf("/r%d/v%d", i, v), BackendType: eskip.LBBackend, LBAlgorithm: RoundRobin}
	for _, e := range endpoints {
		r.LBEndpoints = append(r.LBEndpoints, &eskip.LBEndpoint{Address: e})
	}
	return r
}

func lbRoutes(n int) []*eskip.Route {
	defs := make([]*eskip.Route, n)
	for i := range defs {
		defs[i] = lbRoute(i, 0, "http://10.0.0.1", "http://10.0.0.2")
	}
	return defs
}

// runRouting serves defs through a Routing with pp as its only
// post-processor and stops it at the end of the test.
func runRouting(tb testing.TB, pp routing.PostProcessor, defs []*eskip.Route) (*routing.Routing, chanClient) {
	tb.Helper()
	log := logrus.New()
	log.SetOutput(io.Discard)
	c := make(chanClient)
	rt := routing.New(routing.Options{
		BuildOptions: routing.BuildOptions{PostProcessors: []routing.PostProcessor{pp}},
		DataClients:  []dataclients.DataClient{c},
		Log:          log,
		Coalesce:     -1,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	c <- dataclients.Update{Reset: true, Upserts: defs}
	select {
	case <-rt.FirstLoad():
	case <-time.After(30 * time.Second):
		tb.Fatal("first load did not happen")
	}
	return rt, c
}

// nextTable waits for a table other than prev.
func nextTable(tb testing.TB, rt *routing.Routing, prev *routing.Table) *routing.Table {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		t := rt.Acquire()
		if t != prev {
			return t
		}
		t.Release()
		if time.Now().After(deadline) {
			tb.Fatal("no new table")
		}
		runtime.Gosched()
	}
}

// TestOneRouteChangeIsIncremental changes one route of a 10,000-route
// table. Routing reuses the unchanged routes of the previous table only on
// its incremental path (a full build hands every route to the
// post-processors as a fresh copy), so identical route pointers show which
// path was taken; the non-local wrapper is the control.
func TestOneRouteChangeIsIncremental(t *testing.T) {
	const n = 10000
	for _, tc := range []struct {
		name        string
		pp          routing.PostProcessor
		incremental bool
	}{
		{"route-local", NewPostProcessor(healthcheck.New(healthcheck.Config{})), true},
		{"control: not route-local", nonLocal{NewPostProcessor(healthcheck.New(healthcheck.Config{}))}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, c := runRouting(t, tc.pp, lbRoutes(n))
			before := rt.Acquire()
			defer before.Release()
			old := map[string]*routing.Route{}
			for _, r := range before.Routes() {
				old[r.Id] = r
			}
			if len(old) != n {
				t.Fatalf("%d routes, want %d", len(old), n)
			}

			c <- dataclients.Update{Upserts: []*eskip.Route{lbRoute(7, 1, "http://10.0.0.3")}}
			after := nextTable(t, rt, before)
			defer after.Release()

			routes := after.Routes()
			if len(routes) != n {
				t.Fatalf("%d routes after the change, want %d", len(routes), n)
			}
			reused := 0
			for _, r := range routes {
				if r.Balancer == nil {
					t.Fatalf("%s: no balancer", r.Id)
				}
				if r.Id == "r7" {
					if len(r.LBEndpoints) != 1 || r.LBEndpoints[0].Host != "10.0.0.3:80" || r == old["r7"] {
						t.Errorf("changed route not updated: %+v", r.LBEndpoints)
					}
					continue
				}
				if r == old[r.Id] {
					if r.Balancer != old[r.Id].Balancer {
						t.Fatalf("%s: balancer replaced on a reused route", r.Id)
					}
					reused++
				}
			}
			if tc.incremental && reused != n-1 {
				t.Errorf("%d of %d unchanged routes reused: the change was not applied incrementally", reused, n-1)
			}
			if !tc.incremental && reused != 0 {
				t.Errorf("%d routes reused by a full build; the observation does not tell the paths apart", reused)
			}
		})
	}
}

// BenchmarkOneRouteChange is the time from a one-route update of a
// 10,000-route LB table to the new table being current.
func BenchmarkOneRouteChange(b *testing.B) {
	for _, bc := range []struct {
		name string
		pp   routing.PostProcessor
	}{
		{"route-local", NewPostProcessor(healthcheck.New(healthcheck.Config{}))},
		{"not-route-local", nonLocal{NewPostProcessor(healthcheck.New(healthcheck.Config{}))}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rt, c := runRouting(b, bc.pp, lbRoutes(10000))
			cur := rt.Acquire()
			cur.Release()
			i := 0
			for b.Loop() {
				i++
				c <- dataclients.Update{Upserts: []*eskip.Route{lbRoute(7, i, fmt.Sprintf("http://10.0.1.%d", i%200+1))}}
				cur = nextTable(b, rt, cur)
				cur.Release()
			}
		})
	}
}
