package e2e

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

func TestBackendKinds(t *testing.T) {
	a := newBackend(t, "a", nil)
	b := newBackend(t, "b", nil)
	in := start(t, routes(
		fmt.Sprintf(`net: Path("/net/*rest") -> %q;`, a.URL),
		`shunt: Path("/shunt") -> setResponseHeader("X-Shunt", "1") -> inlineContent("shunted\n") -> <shunt>;`,
		`emptyShunt: Path("/empty") -> <shunt>;`,
		`loop: Path("/loop") -> setPath("/net/looped") -> <loopback>;`,
		fmt.Sprintf(`lb: Path("/lb") -> <roundRobin, %q, %q>;`, a.URL, b.URL),
		fmt.Sprintf(`dyn: Path("/dyn") -> setDynamicBackendUrl(%q) -> <dynamic>;`, b.URL),
		`dynHeader: Path("/dynh") -> setDynamicBackendUrlFromHeader("X-Target") -> <dynamic>;`,
		fmt.Sprintf(`shadow: Path("/tee") -> tee(%q) -> %q;`, b.URL, a.URL),
	), skiff.Options{})

	t.Run("network", func(t *testing.T) {
		r := in.get(t, "/net/x?q=1")
		if r.status != 200 || r.body != "from a\n" || r.header.Get("X-Seen-Path") != "/net/x?q=1" {
			t.Errorf("got %d %q path %q", r.status, r.body, r.header.Get("X-Seen-Path"))
		}
		if got, want := r.header.Get("X-Seen-Host"), strings.TrimPrefix(a.URL, "http://"); got != want {
			t.Errorf("backend saw Host %q, want %q", got, want)
		}
	})
	t.Run("shunt", func(t *testing.T) {
		r := in.get(t, "/shunt")
		if r.status != 200 || r.body != "shunted\n" || r.header.Get("X-Shunt") != "1" {
			t.Errorf("got %d %q %v", r.status, r.body, r.header)
		}
	})
	t.Run("shunt without response", func(t *testing.T) {
		if r := in.get(t, "/empty"); r.status != 404 || r.body != "" {
			t.Errorf("got %d %q, want 404 and no body", r.status, r.body)
		}
	})
	t.Run("loopback", func(t *testing.T) {
		r := in.get(t, "/loop")
		if r.status != 200 || r.header.Get("X-Seen-Path") != "/net/looped" {
			t.Errorf("got %d path %q", r.status, r.header.Get("X-Seen-Path"))
		}
	})
	t.Run("dynamic", func(t *testing.T) {
		if r := in.get(t, "/dyn"); r.status != 200 || r.header.Get("X-Backend") != "b" {
			t.Errorf("setDynamicBackendUrl: %d from %q", r.status, r.header.Get("X-Backend"))
		}
		if r := in.get(t, "/dynh", "X-Target", a.URL); r.status != 200 || r.header.Get("X-Backend") != "a" {
			t.Errorf("setDynamicBackendUrlFromHeader: %d from %q", r.status, r.header.Get("X-Backend"))
		}
	})
	t.Run("tee", func(t *testing.T) {
		b0 := b.hits.Load()
		if r := in.get(t, "/tee"); r.status != 200 || r.header.Get("X-Backend") != "a" {
			t.Errorf("tee: main answer %d from %q", r.status, r.header.Get("X-Backend"))
		}
		waitFor(t, func() bool { return b.hits.Load() == b0+1 })
	})
	t.Run("round robin", func(t *testing.T) {
		a0, b0 := a.hits.Load(), b.hits.Load()
		seen := map[string]int{}
		for i := 0; i < 10; i++ {
			r := in.get(t, "/lb")
			if r.status != 200 {
				t.Fatalf("status %d", r.status)
			}
			seen[r.header.Get("X-Backend")]++
		}
		if seen["a"] != 5 || seen["b"] != 5 {
			t.Errorf("round robin spread %v, want 5 each", seen)
		}
		if a.hits.Load()-a0 != 5 || b.hits.Load()-b0 != 5 {
			t.Errorf("backend hits a=%d b=%d", a.hits.Load()-a0, b.hits.Load()-b0)
		}
	})
}

func TestFilterOrderAndShortCircuit(t *testing.T) {
	a := newBackend(t, "a", nil)
	in := start(t, routes(
		// Request filters run in order, response filters in reverse: the
		// first filter's response phase runs last and wins.
		fmt.Sprintf(`order: Path("/order")
			-> appendRequestHeader("X-Order", "1") -> appendRequestHeader("X-Order", "2")
			-> setResponseHeader("X-Last", "first") -> setResponseHeader("X-Last", "second")
			-> %q;`, a.URL),
		// inlineContent answers: later filters and the backend are skipped,
		// the response phases of the filters that ran still run.
		fmt.Sprintf(`short: Path("/short")
			-> setResponseHeader("X-Before", "ran")
			-> inlineContent("short\n")
			-> setResponseHeader("X-After", "ran")
			-> appendRequestHeader("X-Order", "never")
			-> %q;`, a.URL),
	), skiff.Options{})

	r := in.get(t, "/order")
	if got := r.header.Values("X-Seen-Order"); strings.Join(got, ",") != "1,2" {
		t.Errorf("backend saw X-Order %v, want [1 2]", got)
	}
	if got := r.header.Get("X-Last"); got != "first" {
		t.Errorf("X-Last %q: response filters did not run in reverse", got)
	}

	before := a.hits.Load()
	r = in.get(t, "/short")
	if r.status != 200 || r.body != "short\n" {
		t.Errorf("short circuit: %d %q", r.status, r.body)
	}
	if r.header.Get("X-Before") != "ran" || r.header.Get("X-After") != "" {
		t.Errorf("X-Before %q X-After %q, want ran and empty", r.header.Get("X-Before"), r.header.Get("X-After"))
	}
	if a.hits.Load() != before {
		t.Error("backend called although a filter answered")
	}
}

func TestDefaultFilters(t *testing.T) {
	a := newBackend(t, "a", nil)
	in := start(t, routes(
		fmt.Sprintf(`r: Path("/") -> appendRequestHeader("X-Order", "route") -> %q;`, a.URL),
		`s: Path("/s") -> inlineContent("s") -> <shunt>;`,
	), skiff.Options{
		DefaultFiltersPrepend: []string{`appendRequestHeader("X-Order", "pre1") -> setResponseHeader("X-Pre", "yes")`, `appendRequestHeader("X-Order", "pre2")`},
		DefaultFiltersAppend:  []string{`appendRequestHeader("X-Order", "post") -> setResponseHeader("X-Default", "yes")`},
	})
	r := in.get(t, "/")
	if got := strings.Join(r.header.Values("X-Seen-Order"), ","); got != "pre1,pre2,route,post" {
		t.Errorf("filter order %q", got)
	}
	if r.header.Get("X-Default") != "yes" {
		t.Error("appended response filter did not run")
	}
	// On a shunt route the prepended filters run; the appended ones come
	// after inlineContent, which answers, so they are skipped.
	if r := in.get(t, "/s"); r.header.Get("X-Pre") != "yes" || r.header.Get("X-Default") != "" {
		t.Errorf("shunt route: X-Pre %q X-Default %q, want yes and empty", r.header.Get("X-Pre"), r.header.Get("X-Default"))
	}
	// A route added later by a file change gets them too.
	writeFile(t, in.routesFile, routes(
		fmt.Sprintf(`r: Path("/") -> appendRequestHeader("X-Order", "route") -> %q;`, a.URL),
		`s: Path("/s") -> inlineContent("s") -> <shunt>;`,
		`late: Path("/late") -> inlineContent("late") -> <shunt>;`,
	))
	waitFor(t, func() bool { return in.get(t, "/late").status == 200 })
	if r := in.get(t, "/late"); r.header.Get("X-Pre") != "yes" {
		t.Error("default filters not applied to a route added later")
	}
}

// tagRoutes is a custom pre-processor: it adds a response header naming
// the route to every route.
type tagRoutes struct{}

func (tagRoutes) Do(rs []*eskip.Route) []*eskip.Route {
	out := make([]*eskip.Route, len(rs))
	for i, r := range rs {
		c := *r
		c.Filters = append([]*eskip.Filter{{Name: "setResponseHeader", Args: []any{"X-Route", r.Id}}}, r.Filters...)
		out[i] = &c
	}
	return out
}

// onlyShunts is a custom post-processor that rejects network routes.
type onlyShunts struct{}

func (onlyShunts) Do(rs []*routing.Route) ([]*routing.Route, []routing.InvalidRoute) {
	var keep []*routing.Route
	var bad []routing.InvalidRoute
	for _, r := range rs {
		if r.BackendType == eskip.NetworkBackend {
			bad = append(bad, routing.InvalidRoute{Id: r.Id, Reason: routing.ReasonOther, Err: errors.New("network backends not allowed")})
			continue
		}
		keep = append(keep, r)
	}
	return keep, bad
}

func TestCustomProcessors(t *testing.T) {
	in := start(t, routes(
		`s: Path("/s") -> inlineContent("s") -> <shunt>;`,
		`n: Path("/n") -> "http://127.0.0.1:1";`,
	), skiff.Options{
		CustomRoutingPreProcessors:  []routing.PreProcessor{tagRoutes{}},
		CustomRoutingPostProcessors: []routing.PostProcessor{onlyShunts{}},
	})
	if r := in.get(t, "/s"); r.status != 200 || r.header.Get("X-Route") != "s" {
		t.Errorf("pre-processor: %d X-Route %q", r.status, r.header.Get("X-Route"))
	}
	if r := in.get(t, "/n"); r.status != 404 {
		t.Errorf("post-processor did not drop the network route: %d", r.status)
	}
}
