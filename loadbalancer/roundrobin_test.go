package loadbalancer

import (
	"errors"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

func eps(n int) []routing.LBEndpoint {
	out := make([]routing.LBEndpoint, n)
	for i := range out {
		out[i] = routing.LBEndpoint{Scheme: "http", Host: "h" + string(rune('a'+i)) + ":80"}
	}
	return out
}

func TestRoundRobinRotates(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		rr := newRoundRobin(n)
		e := eps(n)
		counts := make([]int, n)
		prev := -1
		for range 10 * n {
			i := rr.Select(nil, nil, e, -1)
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

func TestRoundRobinSkip(t *testing.T) {
	rr := newRoundRobin(3)
	e := eps(3)
	for skip := range 3 {
		for range 20 {
			if i := rr.Select(nil, nil, e, skip); i == skip {
				t.Fatalf("chose skipped endpoint %d", skip)
			}
		}
	}
	// With one endpoint there is nothing else to take.
	if i := newRoundRobin(1).Select(nil, nil, eps(1), 0); i != 0 {
		t.Errorf("single endpoint: %d", i)
	}
}

func TestRoundRobinStartsAtRandom(t *testing.T) {
	seen := map[int]bool{}
	for range 200 {
		seen[newRoundRobin(4).Select(nil, nil, eps(4), -1)] = true
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
	kept, invalid := NewPostProcessor().Do(routes)
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
	kept, _ := NewPostProcessor().Do([]*routing.Route{r})
	if len(kept) != 1 || len(kept[0].LBEndpoints) != 1 || kept[0].LBEndpoints[0].Host != "kept:80" {
		t.Errorf("endpoints %+v", kept[0].LBEndpoints)
	}
}
