package loadbalancer

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
)

// benchPool returns a balancer over n endpoints on the real clock in one
// of the states Select has to deal with: all healthy, the first one dead,
// or the last one fading in (fadeIn of an hour, added just now).
func benchPool(algo algorithm, n int, state string) *Balancer {
	var shift atomic.Int64
	reg := healthcheck.New(healthcheck.Config{Now: func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }})
	s := settings{route: "bench", algo: algo}
	if state == "fade-in" {
		s.fade = fadeIn{duration: int64(time.Hour), exponent: 2}
	}
	shift.Store(int64(-2 * time.Hour)) // the pool's endpoints are old
	all := eps(n)
	b := newBalancer(reg, s, all[:n-1])
	shift.Store(0)
	b.UpdateEndpoints(all) // the last one is new
	if state == "one-dead" {
		b.Members()[0].Endpoint.MarkDead("bench")
	}
	return b
}

var states = []string{"healthy", "one-dead", "fade-in"}

func benchRequest() *http.Request {
	return &http.Request{RemoteAddr: "192.0.2.1:34567", Header: http.Header{}}
}

// BenchmarkSelect is one endpoint choice per algorithm, pool size and
// state; consistentHash keys by the client address.
func BenchmarkSelect(b *testing.B) {
	r := benchRequest()
	for _, a := range algorithms {
		for _, n := range []int{2, 10, 100} {
			for _, state := range states {
				b.Run(fmt.Sprintf("%s/%d/%s", a.name, n, state), func(b *testing.B) {
					lb := benchPool(a.algo, n, state)
					b.ReportAllocs()
					for b.Loop() {
						lb.Select(r, nil, nil)
					}
				})
			}
		}
	}
}

// BenchmarkConsistentHashKeys covers the other key sources and the
// bounded load walk.
func BenchmarkConsistentHashKeys(b *testing.B) {
	xff := benchRequest()
	xff.Header.Set("X-Forwarded-For", "2001:db8::7, 10.0.0.1")
	for _, bc := range []struct {
		name string
		r    *http.Request
		bag  map[string]any
	}{
		{"x-forwarded-for", xff, nil},
		{"bag-key", benchRequest(), map[string]any{filters.ConsistentHashKey: "user-12345"}},
		{"bounded-load", xff, map[string]any{filters.ConsistentHashBalance: 1.25}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			lb := benchPool(algoConsistentHash, 10, "healthy")
			b.ReportAllocs()
			for b.Loop() {
				lb.Select(bc.r, bc.bag, nil)
			}
		})
	}
}

// TestSelectDoesNotAllocate holds what the benchmarks show for pools of
// up to maxStack endpoints, so that a change that allocates fails here.
func TestSelectDoesNotAllocate(t *testing.T) {
	xff := benchRequest()
	xff.Header.Set("X-Forwarded-For", "198.51.100.7")
	for _, a := range algorithms {
		for _, n := range []int{2, 10, maxStack} {
			for _, state := range states {
				lb := benchPool(a.algo, n, state)
				ex := []*healthcheck.Endpoint{lb.Members()[1].Endpoint}
				bag := map[string]any{filters.ConsistentHashBalance: 1.5}
				if allocs := testing.AllocsPerRun(200, func() {
					lb.Select(xff, bag, nil)
					lb.Select(xff, nil, ex)
				}); allocs != 0 {
					t.Errorf("%s, %d endpoints, %s: %v allocations", a.name, n, state, allocs)
				}
			}
		}
	}
}
