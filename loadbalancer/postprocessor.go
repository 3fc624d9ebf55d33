package loadbalancer

import (
	"errors"
	"fmt"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

var errNoEndpoints = errors.New("load-balanced route without endpoints")

// NewPostProcessor returns the routing post-processor that sets
// Route.Balancer on every load-balanced route: a new Balancer, with fresh
// algorithm state, for the route's algorithm and fade-in filters, whose
// endpoints come from reg. A route that is unchanged in a new table keeps
// its balancer (and round-robin cursor) when routing applies the change
// incrementally. Routes without endpoints, or with an unknown algorithm,
// are dropped with reason invalid_lb.
func NewPostProcessor(reg *healthcheck.Registry) routing.PostProcessor {
	return postProcessor{reg: reg}
}

type postProcessor struct{ reg *healthcheck.Registry }

// RouteLocal reports that each route is handled on its own, from its own
// definition: routing may then apply a small change to a large table
// without running the post-processor on the unchanged routes.
func (postProcessor) RouteLocal() bool { return true }

var _ routing.RouteLocalPostProcessor = postProcessor{}

// Reprocessable reports that a route this post-processor set up may be
// set up again: the balancer is made anew from the route's endpoints and
// filters, and the default algorithm is what it already set.
func (postProcessor) Reprocessable() bool { return true }

var _ routing.ReprocessablePostProcessor = postProcessor{}

func (p postProcessor) Do(routes []*routing.Route) ([]*routing.Route, []routing.InvalidRoute) {
	var invalid []routing.InvalidRoute
	kept := routes[:0]
	for _, r := range routes {
		if r.BackendType != eskip.LBBackend {
			kept = append(kept, r)
			continue
		}
		if err := p.setup(r); err != nil {
			inv := routing.InvalidRoute{Id: r.Id, Source: r.Source, Reason: routing.ReasonInvalidLB, Err: err}
			if r.Def != nil {
				inv.Pos = r.Def.Pos
			}
			invalid = append(invalid, inv)
			continue
		}
		kept = append(kept, r)
	}
	clear(routes[len(kept):])
	return kept, invalid
}

// setup gives r its Balancer. Routing has parsed the endpoints already and
// refused routes with bad ones.
func (p postProcessor) setup(r *routing.Route) error {
	if len(r.LBEndpoints) == 0 {
		return errNoEndpoints
	}
	algo, ok := algorithmNamed(r.LBAlgorithm)
	if !ok {
		return fmt.Errorf("unknown load balancing algorithm %q", r.LBAlgorithm)
	}
	if r.LBAlgorithm == "" {
		r.LBAlgorithm = RoundRobin
	}
	fade, created := fadeInOf(r.Filters)
	r.Balancer = newBalancer(p.reg, settings{route: r.Id, algo: algo, fade: fade, created: created}, r.LBEndpoints)
	return nil
}
