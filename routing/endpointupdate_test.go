package routing

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

// poolBalancer is a Balancer that takes endpoint updates in place.
type poolBalancer struct{ eps atomic.Pointer[[]LBEndpoint] }

func newPoolBalancer(eps []LBEndpoint) *poolBalancer {
	b := &poolBalancer{}
	b.eps.Store(&eps)
	return b
}

func (b *poolBalancer) Endpoints() []LBEndpoint { return *b.eps.Load() }

func (b *poolBalancer) UpdateEndpoints(eps []LBEndpoint) bool {
	b.eps.Store(&eps)
	return true
}

// poolPost gives every LB route a poolBalancer; it is route-local, as the
// load balancer's post-processor is.
type poolPost struct{ made *atomic.Int64 }

func (poolPost) RouteLocal() bool { return true }

func (p poolPost) Do(rs []*Route) ([]*Route, []InvalidRoute) {
	for _, r := range rs {
		if r.BackendType == eskip.LBBackend {
			p.made.Add(1)
			r.Balancer = newPoolBalancer(r.LBEndpoints)
		}
	}
	return rs, nil
}

// countingSpec counts the filters it creates.
type countingSpec struct{ made atomic.Int64 }

func (*countingSpec) Name() string { return "counted" }
func (s *countingSpec) CreateFilter([]any) (filters.Filter, error) {
	s.made.Add(1)
	return noopFilter{}, nil
}

func lbDef(i int, arg float64, endpoints ...string) *eskip.Route {
	r := route(fmt.Sprintf("lb%d", i), p("Path", fmt.Sprintf("/lb/%d", i)))
	r.Filters = []*eskip.Filter{{Name: "counted", Args: []any{arg}}}
	r.BackendType = eskip.LBBackend
	for _, e := range endpoints {
		r.LBEndpoints = append(r.LBEndpoints, &eskip.LBEndpoint{Address: e})
	}
	return r
}

func lbDefs(n int) []*eskip.Route {
	defs := make([]*eskip.Route, n)
	for i := range defs {
		defs[i] = lbDef(i, 1, "http://10.0.0.1:8080", "http://10.0.0.2:8080")
	}
	return defs
}

func hosts(eps []LBEndpoint) string {
	s := ""
	for _, e := range eps {
		s += e.Scheme + "://" + e.Host + " "
	}
	return s
}

type endpointFixture struct {
	rr       *runningRouting
	client   *chanClient
	filters  *countingSpec
	balancer *atomic.Int64
}

func startEndpointFixture(tb testing.TB, n int, dropInvalid bool) *endpointFixture {
	f := &endpointFixture{client: newChanClient("c"), filters: &countingSpec{}, balancer: &atomic.Int64{}}
	o := testOptions()
	o.Filters.Register(f.filters)
	o.PostProcessors = []PostProcessor{poolPost{f.balancer}}
	o.DropInvalidUpdates = dropInvalid
	f.rr = startRouting(tb, Options{BuildOptions: o, DataClients: []dataclients.DataClient{f.client}, Coalesce: -1})
	f.client.updates <- dataclients.Update{Reset: true, Upserts: lbDefs(n)}
	<-f.rr.FirstLoad()
	return f
}

func (f *endpointFixture) route(id string) *Route {
	tbl := f.rr.Acquire()
	defer tbl.Release()
	for _, r := range tbl.Routes() {
		if r.Id == id {
			return r
		}
	}
	return nil
}

// waitEndpoints waits until the balancer of r shows want.
func waitEndpoints(tb testing.TB, b Balancer, want string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for hosts(b.Endpoints()) != want {
		if time.Now().After(deadline) {
			tb.Fatalf("endpoints %q, want %q", hosts(b.Endpoints()), want)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestEndpointOnlyUpdateInPlace(t *testing.T) {
	f := startEndpointFixture(t, 100, false)
	before := f.rr.Acquire()
	before.Release()
	r := f.route("lb7")
	made, balancers := f.filters.made.Load(), f.balancer.Load()

	// An endpoint added: the pool changes, nothing is created again, and
	// the table is the same table.
	f.client.updates <- dataclients.Update{Upserts: []*eskip.Route{lbDef(7, 1, "http://10.0.0.1:8080", "http://10.0.0.2:8080", "HTTP://10.0.0.3")}}
	waitEndpoints(t, r.Balancer, "http://10.0.0.1:8080 http://10.0.0.2:8080 http://10.0.0.3:80 ")
	if got := f.filters.made.Load(); got != made {
		t.Errorf("%d filters created for an endpoint-only change", got-made)
	}
	if got := f.balancer.Load(); got != balancers {
		t.Errorf("%d balancers made for an endpoint-only change", got-balancers)
	}
	after := f.rr.Acquire()
	after.Release()
	if after != before || f.route("lb7") != r {
		t.Error("the table or the route was replaced")
	}

	// An endpoint removed, the same way.
	f.client.updates <- dataclients.Update{Upserts: []*eskip.Route{lbDef(7, 1, "http://10.0.0.3")}}
	waitEndpoints(t, r.Balancer, "http://10.0.0.3:80 ")

	// A change of a filter argument is not endpoint-only: the route is
	// instantiated again, with the current endpoints.
	f.client.updates <- dataclients.Update{Upserts: []*eskip.Route{lbDef(7, 2, "http://10.0.0.3")}}
	waitFor(t, f.rr.Routing, "new lb7", func(tbl *Table) bool { return f.route("lb7") != r })
	r2 := f.route("lb7")
	if f.filters.made.Load() != made+1 || hosts(r2.Balancer.Endpoints()) != "http://10.0.0.3:80 " {
		t.Errorf("after a filter change: %d filters made, endpoints %q", f.filters.made.Load()-made, hosts(r2.Balancer.Endpoints()))
	}

	// A full set (a reload) rebuilds from the cache: the route comes back
	// with the endpoints of its last update, not those it was created with.
	defs := lbDefs(100)
	defs[8] = lbDef(8, 1, "http://10.0.0.9")
	f.client.updates <- dataclients.Update{Upserts: []*eskip.Route{defs[8]}}
	waitEndpoints(t, f.route("lb8").Balancer, "http://10.0.0.9:80 ")
	defs[7] = lbDef(7, 2, "http://10.0.0.3")
	defs = append(defs, route("other", p("Path", "/other")))
	defs[len(defs)-1].BackendType = eskip.ShuntBackend
	for i := range 30 { // enough changes to take the full build
		defs[20+i] = lbDef(20+i, 3, "http://10.0.0.1:8080")
	}
	f.client.updates <- dataclients.Update{Reset: true, Upserts: defs}
	waitFor(t, f.rr.Routing, "full build", func(tbl *Table) bool { return f.route("other") != nil })
	if got := hosts(f.route("lb8").Balancer.Endpoints()); got != "http://10.0.0.9:80 " {
		t.Errorf("after a full build lb8 has %q", got)
	}
}

func TestEndpointOnlyUpdateThatIsInvalid(t *testing.T) {
	f := startEndpointFixture(t, 10, false)
	r := f.route("lb3")
	// An endpoint the server cannot use: the route is invalid, and the
	// last valid version (with its endpoints) keeps serving.
	f.client.updates <- dataclients.Update{Upserts: []*eskip.Route{lbDef(3, 1, "ftp://10.0.0.3")}}
	tbl := waitFor(t, f.rr.Routing, "lb3 invalid", func(tbl *Table) bool { return len(tbl.Invalid()) == 1 })
	inv := tbl.Invalid()[0]
	if inv.Id != "lb3" || inv.Reason != ReasonInvalidLB || !inv.Stale {
		t.Fatalf("invalid %+v", inv)
	}
	if got := f.route("lb3"); got == nil || hosts(got.Balancer.Endpoints()) != hosts(r.Balancer.Endpoints()) {
		t.Errorf("the last valid lb3 is not served: %+v", got)
	}
	// The next good endpoint-only version is applied.
	f.client.updates <- dataclients.Update{Upserts: []*eskip.Route{lbDef(3, 1, "http://10.0.0.4")}}
	waitFor(t, f.rr.Routing, "lb3 valid", func(tbl *Table) bool { return len(tbl.Invalid()) == 0 })
	if got := hosts(f.route("lb3").Balancer.Endpoints()); got != "http://10.0.0.4:80 " {
		t.Errorf("lb3 endpoints %q", got)
	}
}

// BenchmarkEndpointOnlyChange is the time from an update that changes one
// endpoint of one route of a 100,000-route table to the route's pool
// having it: the routing work of an endpoint-only change.
func BenchmarkEndpointOnlyChange(b *testing.B) {
	const n = 100_000
	f := startEndpointFixture(b, n, false)
	r := f.route("lb4242")
	i := 0
	for b.Loop() {
		i++
		host := fmt.Sprintf("10.1.%d.%d:8080", i/250%250, i%250+1)
		f.client.updates <- dataclients.Update{Upserts: []*eskip.Route{lbDef(4242, 1, "http://10.0.0.1:8080", "http://"+host)}}
		for {
			eps := r.Balancer.Endpoints()
			if len(eps) == 2 && eps[1].Host == host {
				break
			}
			runtime.Gosched() // the routing goroutines need the CPU
		}
	}
}
