package loadbalancer

import (
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

// TestUpdateEndpointsKeepsEndpoints: endpoints kept by an update are the
// same objects, in flight counts and health included; the new list is
// what Endpoints and Members return.
func TestUpdateEndpointsKeepsEndpoints(t *testing.T) {
	reg, _ := registry(nil)
	all := eps(4)
	b := newBalancer(reg, settings{algo: algoLeastConnection}, all[:3])
	old := b.Members()
	old[1].Endpoint.Begin()
	old[1].Endpoint.Begin()
	old[2].Endpoint.SetState(healthcheck.LameDuck, "test")

	next := []routing.LBEndpoint{all[2], all[1], all[3]}
	if !b.UpdateEndpoints(next) {
		t.Fatal("update refused")
	}
	if !slices.Equal(b.Endpoints(), next) {
		t.Errorf("endpoints %v, want %v", b.Endpoints(), next)
	}
	ms := b.Members()
	if len(ms) != 3 || ms[0].Endpoint != old[2].Endpoint || ms[1].Endpoint != old[1].Endpoint {
		t.Fatalf("kept endpoints are new objects: %+v", ms)
	}
	if ms[1].Endpoint.InFlight() != 2 || ms[0].Endpoint.State() != healthcheck.LameDuck {
		t.Errorf("state lost: in flight %d, state %v", ms[1].Endpoint.InFlight(), ms[0].Endpoint.State())
	}
	if ms[2].Endpoint != reg.Lookup(all[3].Host) || ms[2].Host != all[3].Host {
		t.Errorf("added endpoint %+v is not the registry's", ms[2])
	}
	// The old pool's members are still valid for requests that hold them.
	if old[0].Host != all[0].Host {
		t.Error("old members changed")
	}
	// Least connection over the new pool: the lame duck is hidden, the
	// busy one avoided.
	if counts := picks(b, 10); counts[2] != 10 {
		t.Errorf("picks %v, want all on the idle endpoint", counts)
	}
	ms[1].Endpoint.End(healthcheck.Outcome{})
	ms[1].Endpoint.End(healthcheck.Outcome{})
}

func TestUpdateEndpointsRefusesEmpty(t *testing.T) {
	b := balancer(algoRoundRobin, 2)
	before := b.Endpoints()
	if b.UpdateEndpoints(nil) {
		t.Error("empty list accepted")
	}
	if !slices.Equal(b.Endpoints(), before) {
		t.Error("empty list changed the pool")
	}
}

// TestSelectDuringUpdates runs requests while the pool changes (under
// -race): each gets a member of one of the lists.
func TestSelectDuringUpdates(t *testing.T) {
	for _, a := range algorithms {
		b := balancer(a.algo, 3)
		all := eps(70) // across the stack-list limit
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 2000 {
					m := b.Select(nil, nil, nil)
					if m == nil || m.Endpoint == nil {
						t.Error("no member")
						return
					}
				}
			})
		}
		for k := range 200 {
			b.UpdateEndpoints(all[:1+k%len(all)])
		}
		wg.Wait()
	}
}

func TestFadeInAccessor(t *testing.T) {
	if d, k := balancer(algoRoundRobin, 1).FadeIn(); d != 0 || k != 1 {
		t.Errorf("no fade-in: %v %v", d, k)
	}
	reg, _ := registry(nil)
	b := newBalancer(reg, settings{fade: fadeIn{duration: 3e9, exponent: 1.5}}, eps(1))
	if d, k := b.FadeIn(); d.Seconds() != 3 || k != 1.5 {
		t.Errorf("fade-in %v %v", d, k)
	}
}

// TestFadeInShare: the share /endpoints shows is the curve the pick uses.
func TestFadeInShare(t *testing.T) {
	reg, _ := registry(nil)
	for _, tc := range []struct {
		fade fadeIn
		age  time.Duration
		want float64
	}{
		{fadeIn{}, time.Second, 1},
		{fadeIn{duration: 10e9, exponent: 1}, 5 * time.Second, 0.5},
		{fadeIn{duration: 10e9, exponent: 2}, 5 * time.Second, 0.25},
		{fadeIn{duration: 10e9, exponent: 1}, 11 * time.Second, 1},
	} {
		b := newBalancer(reg, settings{fade: tc.fade}, eps(1))
		e := b.Members()[0].Endpoint
		now := e.Detected().Add(tc.age)
		if got := b.FadeInShare(e, now); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("fade %+v at %v: %v, want %v", tc.fade, tc.age, got, tc.want)
		}
	}
}
