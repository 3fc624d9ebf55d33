package loadbalancer

import (
	"context"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/healthcheck"
)

// TestUnusableNeverChosen: dead and lame-duck endpoints get nothing while
// another endpoint is usable, whatever the algorithm; a dead mark that
// expires makes the endpoint a candidate again.
func TestUnusableNeverChosen(t *testing.T) {
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			clock := newClock()
			reg, _ := registry(clock)
			b := newBalancer(reg, settings{algo: a.algo}, eps(4))
			ms := b.Members()
			ms[0].Endpoint.MarkDead("test")
			ms[2].Endpoint.SetState(healthcheck.LameDuck, "test")
			counts := picks(b, 2000)
			if counts[0] != 0 || counts[2] != 0 || counts[1]+counts[3] != 2000 {
				t.Errorf("picks %v: dead or lame duck chosen", counts)
			}
			clock.Add(healthcheck.DefaultDeadTTL)
			if counts := picks(b, 2000); counts[0] == 0 || counts[2] != 0 {
				t.Errorf("after the dead mark expired: picks %v", counts)
			}
		})
	}
}

// TestAllUnusableFailsOpen: with every endpoint dead or lame duck, all of
// them are candidates, which is logged once per pool.
func TestAllUnusableFailsOpen(t *testing.T) {
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			clock := newClock()
			reg, log := registry(clock)
			b := newBalancer(reg, settings{route: "r1", algo: a.algo}, eps(3))
			for i, m := range b.Members() {
				if i == 1 {
					m.Endpoint.SetState(healthcheck.LameDuck, "test")
				} else {
					m.Endpoint.MarkDead("test")
				}
			}
			before := log.count("every endpoint")
			for i, c := range picks(b, 3000) {
				if c < 500 {
					t.Errorf("endpoint %d chosen %d of 3000 times while failing open", i, c)
				}
			}
			if n := log.count("every endpoint") - before; n != 1 {
				t.Errorf("failing open logged %d times, want once", n)
			}
			if log.count("route r1") == 0 {
				t.Error("the log does not name the route")
			}
			b.UpdateEndpoints(eps(3)) // a new pool logs again
			picks(b, 10)
			if n := log.count("every endpoint") - before; n != 2 {
				t.Errorf("failing open logged %d times after a new pool, want 2", n)
			}
		})
	}
}

// TestExclude: the endpoint of a failed first attempt is not chosen again
// while there is any other, hidden ones included.
func TestExclude(t *testing.T) {
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			clock := newClock()
			reg, _ := registry(clock)
			b := newBalancer(reg, settings{algo: a.algo}, eps(3))
			ms := b.Members()
			for skip := range ms {
				if counts := picks(b, 300, ms[skip].Endpoint); counts[skip] != 0 {
					t.Errorf("excluded endpoint %d chosen: %v", skip, counts)
				}
			}
			// The others are dead: a dead one is still better than the
			// one that just failed.
			ms[1].Endpoint.MarkDead("test")
			ms[2].Endpoint.MarkDead("test")
			counts := picks(b, 300, ms[0].Endpoint)
			if counts[0] != 0 || counts[1]+counts[2] != 300 {
				t.Errorf("excluded endpoint chosen over dead ones: %v", counts)
			}
			// An endpoint of another pool changes nothing.
			other := balancer(a.algo, 1).Members()[0].Endpoint
			if counts := picks(b, 300, other); counts[0] != 300 {
				t.Errorf("unrelated exclude: %v", counts)
			}
			// Several failed attempts: the one left gets the request;
			// when all failed, one of them is chosen again.
			ms[1].Endpoint.SetState(healthcheck.Healthy, "test")
			ms[2].Endpoint.SetState(healthcheck.Healthy, "test")
			if counts := picks(b, 300, ms[0].Endpoint, ms[2].Endpoint); counts[1] != 300 {
				t.Errorf("two of three excluded: %v", counts)
			}
			if counts := picks(b, 300, ms[0].Endpoint, ms[1].Endpoint, ms[2].Endpoint); counts[0]+counts[1]+counts[2] != 300 {
				t.Errorf("all excluded: %v", counts)
			}
			one := newBalancer(reg, settings{algo: a.algo}, eps(1))
			if m := one.Select(nil, nil, []*healthcheck.Endpoint{one.Members()[0].Endpoint}); m != &one.Members()[0] {
				t.Errorf("single endpoint: %+v", m)
			}
		})
	}
}

// TestHealthyPoolReadsNoClock: without fade-in and with every endpoint
// healthy, selecting does not read the time.
func TestHealthyPoolReadsNoClock(t *testing.T) {
	clock := newClock()
	reg, _ := registry(clock)
	b := newBalancer(reg, settings{algo: algoRoundRobin}, eps(3))
	reads := clock.reads.Load()
	picks(b, 100)
	if n := clock.reads.Load() - reads; n != 0 {
		t.Errorf("%d clock reads for 100 requests to a healthy pool", n)
	}
	b.Members()[1].Endpoint.SetState(healthcheck.LameDuck, "test")
	reads = clock.reads.Load()
	picks(b, 100)
	if n := clock.reads.Load() - reads; n != 100 {
		t.Errorf("%d clock reads for 100 requests with a lame duck, want one each", n)
	}
}

// TestManyEndpoints covers pools larger than the stack list.
func TestManyEndpoints(t *testing.T) {
	for _, a := range algorithms {
		b := balancer(a.algo, 100)
		for i := 0; i < 100; i += 2 {
			b.Members()[i].Endpoint.MarkDead("test")
		}
		counts := picks(b, 5000, b.Members()[1].Endpoint)
		for i, c := range counts {
			if (i%2 == 0 || i == 1) && c != 0 {
				t.Fatalf("%s: hidden endpoint %d chosen %d times", a.name, i, c)
			}
		}
	}
}

// passiveRegistry returns a registry with the passive health check and
// the given ratio, and a function that gives the endpoints of hosts the
// failure share of fail out of 100 attempts (as the statistics loop sees
// them in its first round).
func passiveRegistry(t *testing.T, ratio float64) (*healthcheck.Registry, func(fail map[string]int)) {
	reg := healthcheck.New(healthcheck.Config{Passive: &healthcheck.PassiveConfig{
		Period: time.Hour, MinRequests: 10, MaxDropProbability: 0.9, MaxUnhealthyEndpointsRatio: ratio,
	}})
	return reg, func(fail map[string]int) {
		t.Helper()
		for host, n := range fail {
			e := reg.Endpoint("http", host)
			for k := range 100 {
				e.Begin()
				o := healthcheck.Outcome{}
				if k < n {
					o.Failure = healthcheck.TimedOut
				}
				e.End(o)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- reg.Run(ctx, nil) }()
		defer func() { cancel(); <-done }()
		deadline := time.Now().Add(10 * time.Second)
		for host, n := range fail {
			for want := min(float64(n)/100, 0.9); reg.Lookup(host).DropProbability() != want; {
				if time.Now().After(deadline) {
					t.Fatalf("%s: drop probability %v, want %v", host, reg.Lookup(host).DropProbability(), want)
				}
				time.Sleep(time.Millisecond)
			}
		}
	}
}

// TestPassiveDrops: an endpoint with drop probability p gets (1-p) of its
// share; more drops than the ratio allows, or dropping all, fails open.
func TestPassiveDrops(t *testing.T) {
	all := eps(4)
	for _, tc := range []struct {
		name  string
		ratio float64
		fail  map[string]int // failures of 100 by endpoint
		dead  []int
		share []float64 // expected share per endpoint
		drops float64   // expected drops per request
	}{
		// Endpoint 0 drops half its requests; they go to the others.
		{"one endpoint", 1, map[string]int{all[0].Host: 50}, nil, []float64{0.125, 0.2917, 0.2917, 0.2917}, 0.5},
		// One dropped endpoint is more than 0.2 × 4: nothing is dropped.
		{"ratio exceeded", 0.2, map[string]int{all[0].Host: 90}, nil, []float64{0.25, 0.25, 0.25, 0.25}, 0},
		// All with the same draw: all are dropped or none.
		{"all dropped", 1, map[string]int{all[0].Host: 90, all[1].Host: 90, all[2].Host: 90, all[3].Host: 90}, nil, []float64{0.25, 0.25, 0.25, 0.25}, 0},
		// The ratio is of the endpoints left after health: one of the two
		// live ones is more than 0.4 × 2.
		{"ratio of the live endpoints", 0.4, map[string]int{all[0].Host: 90}, []int{2, 3}, []float64{0.5, 0.5, 0, 0}, 0},
		{"within the ratio", 0.5, map[string]int{all[0].Host: 90}, []int{2, 3}, []float64{0.05, 0.95, 0, 0}, 0.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, fail := passiveRegistry(t, tc.ratio)
			fail(tc.fail)
			b := newBalancer(reg, settings{algo: algoRandom}, all)
			for _, i := range tc.dead {
				b.Members()[i].Endpoint.MarkDead("test")
			}
			const n = 40000
			before := reg.PassiveDrops()
			for i, c := range picks(b, n) {
				if got := float64(c) / n; got < tc.share[i]-0.015 || got > tc.share[i]+0.015 {
					t.Errorf("endpoint %d: share %.3f, want %.3f", i, got, tc.share[i])
				}
			}
			// The registry counts each endpoint left out of a request.
			if got := float64(reg.PassiveDrops()-before) / n; got < tc.drops-0.015 || got > tc.drops+0.015 {
				t.Errorf("%.3f drops per request, want %.3f", got, tc.drops)
			}
		})
	}
}
