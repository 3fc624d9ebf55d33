package loadbalancer

import (
	"errors"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

func lb(id, algo string, n int) *routing.Route {
	return &routing.Route{Def: &eskip.Route{Id: id}, Id: id, BackendType: eskip.LBBackend, LBAlgorithm: algo, LBEndpoints: eps(n)}
}

func TestPostProcessor(t *testing.T) {
	network := &routing.Route{Id: "net", BackendType: eskip.NetworkBackend}
	faded := lb("faded", ConsistentHash, 2)
	faded.Filters = []*routing.RouteFilter{{Name: "fadeIn", Filter: testFadeIn{time.Minute, 2}}}
	routes := []*routing.Route{
		lb("default", "", 3),
		network,
		lb("rr", RoundRobin, 1),
		lb("unknown", "fancy", 2),
		lb("random", Random, 2),
		lb("none", "", 0),
		lb("p2c", PowerOfRandomNChoices, 2),
		lb("lc", LeastConnection, 2),
		lb("lr", LeastRequests, 2),
		lb("wrr", "weightedRoundRobin", 2),
		faded,
	}
	reg, _ := registry(nil)
	kept, invalid := NewPostProcessor(reg).Do(routes)

	want := []struct {
		id   string
		algo algorithm
		name string
	}{
		{"default", algoRoundRobin, RoundRobin},
		{"net", 0, ""},
		{"rr", algoRoundRobin, RoundRobin},
		{"random", algoRandom, Random},
		{"p2c", algoPowerOfTwo, PowerOfRandomNChoices},
		{"lc", algoLeastConnection, LeastConnection},
		{"lr", algoLeastConnection, LeastRequests},
		{"faded", algoConsistentHash, ConsistentHash},
	}
	if len(kept) != len(want) {
		t.Fatalf("kept %d routes, want %d", len(kept), len(want))
	}
	for i, w := range want {
		r := kept[i]
		if r.Id != w.id {
			t.Fatalf("kept[%d] = %s, want %s", i, r.Id, w.id)
		}
		if r == network {
			if r.Balancer != nil {
				t.Error("network route got a balancer")
			}
			continue
		}
		b, ok := r.Balancer.(*Balancer)
		if !ok || b.algo != w.algo || r.LBAlgorithm != w.name || b.route != w.id {
			t.Errorf("%s: balancer %+v, algorithm name %q", r.Id, b, r.LBAlgorithm)
			continue
		}
		if len(b.Members()) != len(r.LBEndpoints) || b.Members()[0].Endpoint != reg.Lookup(r.LBEndpoints[0].Host) {
			t.Errorf("%s: members %+v", r.Id, b.Members())
		}
	}
	if d, k := kept[7].Balancer.(*Balancer).FadeIn(); d != time.Minute || k != 2 {
		t.Errorf("fade-in %v %v", d, k)
	}
	if kept[7].Balancer.(*Balancer).pool.Load().ring == nil {
		t.Error("consistentHash without a ring")
	}

	if len(invalid) != 3 {
		t.Fatalf("invalid %v", invalid)
	}
	for i, id := range []string{"unknown", "none", "wrr"} {
		if invalid[i].Id != id || invalid[i].Reason != routing.ReasonInvalidLB || invalid[i].Err == nil {
			t.Errorf("invalid[%d] = %+v", i, invalid[i])
		}
	}
	if !errors.Is(invalid[1].Err, errNoEndpoints) {
		t.Errorf("no endpoints: %v", invalid[1].Err)
	}
}

// TestPostProcessorFreshBalancers: every run gives a route a new balancer
// (a new table starts with fresh algorithm state) over the same endpoint
// objects.
func TestPostProcessorFreshBalancers(t *testing.T) {
	reg, _ := registry(nil)
	pp := NewPostProcessor(reg)
	first, _ := pp.Do([]*routing.Route{lb("r", "", 2)})
	b1 := first[0].Balancer.(*Balancer)
	second, _ := pp.Do([]*routing.Route{lb("r", "", 2)})
	b2 := second[0].Balancer.(*Balancer)
	if b1 == b2 || b1.pool.Load() == b2.pool.Load() {
		t.Error("balancer reused across runs")
	}
	if b1.Members()[1].Endpoint != b2.Members()[1].Endpoint {
		t.Error("endpoint objects not shared across runs")
	}
}

func TestAlgorithms(t *testing.T) {
	names := Algorithms()
	if names[0] != RoundRobin {
		t.Errorf("default %q first, got %q", RoundRobin, names[0])
	}
	for _, name := range names {
		if _, ok := algorithmNamed(name); !ok {
			t.Errorf("%s listed but refused", name)
		}
	}
	for _, name := range []string{"RoundRobin", "weightedRoundRobin", "leastconnection", " random"} {
		if _, ok := algorithmNamed(name); ok {
			t.Errorf("%q accepted", name)
		}
	}
}
