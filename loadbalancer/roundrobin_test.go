package loadbalancer

import (
	"errors"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

func eps(n int) []routing.LBEndpoint {
	out := make([]routing.LBEndpoint, n)
	for i := range out {
		out[i] = routing.LBEndpoint{Scheme: "http", Host: "h" + string(rune('a'+i)) + ":80"}
	}
	return out
}

func indexOf(b *Balancer, m *Member) int {
	for i := range b.Members() {
		if &b.Members()[i] == m {
			return i
		}
	}
	return -1
}

func TestRoundRobinRotates(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		b := newBalancer(healthcheck.New(healthcheck.Config{}), eps(n))
		counts := make([]int, n)
		prev := -1
		for range 10 * n {
			i := indexOf(b, b.Select(nil, nil, nil))
			if i < 0 || i >= n {
				t.Fatalf("n=%d: index %d out of range", n, i)
			}
			if n > 1 && prev >= 0 && i != (prev+1)%n {
				t.Fatalf("n=%d: %d after %d is not the next one", n, i, prev)
			}
			prev = i
			counts[i]++
		}
		for i, c := range counts {
			if c != 10 {
				t.Errorf("n=%d: endpoint %d chosen %d times, want 10", n, i, c)
			}
		}
	}
}

func TestRoundRobinExcludes(t *testing.T) {
	b := newBalancer(healthcheck.New(healthcheck.Config{}), eps(3))
	for skip := range 3 {
		ex := b.Members()[skip].Endpoint
		for range 20 {
			if m := b.Select(nil, nil, ex); m.Endpoint == ex {
				t.Fatalf("chose excluded endpoint %d", skip)
			}
		}
	}
	// With one endpoint there is nothing else to take.
	one := newBalancer(healthcheck.New(healthcheck.Config{}), eps(1))
	if m := one.Select(nil, nil, one.Members()[0].Endpoint); m != &one.Members()[0] {
		t.Errorf("single endpoint: %+v", m)
	}
}

func TestRoundRobinStartsAtRandom(t *testing.T) {
	seen := map[int]bool{}
	for range 200 {
		b := newBalancer(healthcheck.New(healthcheck.Config{}), eps(4))
		seen[indexOf(b, b.Select(nil, nil, nil))] = true
	}
	if len(seen) < 2 {
		t.Errorf("first choice always %v: the cursor does not start at random", seen)
	}
}

func lb(id, algo string, addrs ...string) *routing.Route {
	def := &eskip.Route{Id: id, BackendType: eskip.LBBackend, LBAlgorithm: algo}
	for _, a := range addrs {
		def.LBEndpoints = append(def.LBEndpoints, &eskip.LBEndpoint{Address: a, Zone: "z"})
	}
	return &routing.Route{Def: def, Id: id, BackendType: eskip.LBBackend, LBAlgorithm: algo}
}

func TestPostProcessor(t *testing.T) {
	network := &routing.Route{Id: "net", BackendType: eskip.NetworkBackend}
	routes := []*routing.Route{
		lb("default", "", "http://A.example", "https://b.example", "http://c:8080/path?q"),
		network,
		lb("rr", "roundRobin", "h2c://x"),
		lb("unknown", "fancy", "http://a"),
		lb("none", ""),
		lb("bad", "", "ftp://a"),
	}
	kept, invalid := NewPostProcessor(healthcheck.New(healthcheck.Config{})).Do(routes)
	if len(kept) != 3 || kept[0].Id != "default" || kept[1] != network || kept[2].Id != "rr" {
		t.Fatalf("kept %v", kept)
	}
	want := []routing.LBEndpoint{{Scheme: "http", Host: "a.example:80", Zone: "z"}, {Scheme: "https", Host: "b.example:443", Zone: "z"}, {Scheme: "http", Host: "c:8080", Zone: "z"}}
	for i, ep := range kept[0].LBEndpoints {
		if ep != want[i] {
			t.Errorf("endpoint %d: %+v, want %+v", i, ep, want[i])
		}
	}
	if kept[0].Balancer == nil || kept[0].LBAlgorithm != RoundRobin || kept[2].Balancer == nil {
		t.Error("balancer not set")
	}
	if kept[2].LBEndpoints[0].Host != "x:80" {
		t.Errorf("h2c endpoint %+v", kept[2].LBEndpoints[0])
	}
	if len(invalid) != 3 {
		t.Fatalf("invalid %v", invalid)
	}
	for i, id := range []string{"unknown", "none", "bad"} {
		if invalid[i].Id != id || invalid[i].Reason != routing.ReasonInvalidLB || invalid[i].Err == nil {
			t.Errorf("invalid[%d] = %+v", i, invalid[i])
		}
	}
	if !errors.Is(invalid[1].Err, errNoEndpoints) {
		t.Errorf("no endpoints: %v", invalid[1].Err)
	}
}

func TestPostProcessorKeepsParsedEndpoints(t *testing.T) {
	r := lb("r", "", "http://ignored")
	r.LBEndpoints = []routing.LBEndpoint{{Scheme: "http", Host: "kept:80"}}
	kept, _ := NewPostProcessor(healthcheck.New(healthcheck.Config{})).Do([]*routing.Route{r})
	if len(kept) != 1 || len(kept[0].LBEndpoints) != 1 || kept[0].LBEndpoints[0].Host != "kept:80" {
		t.Errorf("endpoints %+v", kept[0].LBEndpoints)
	}
}
