package loadbalancer

import (
	"fmt"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

// NewPostProcessor returns the routing post-processor that sets
// Route.Balancer on every load-balanced route. A new or changed route gets
// fresh algorithm state; a route that is unchanged in a new table keeps its
// balancer (and round-robin cursor) when routing applies the change
// incrementally. Routes with no or unparsable endpoints, or an unknown
// algorithm, are dropped with reason invalid_lb.
func NewPostProcessor(reg *healthcheck.Registry) routing.PostProcessor {
	return postProcessor{reg: reg}
}

type postProcessor struct{ reg *healthcheck.Registry }

// RouteLocal reports that each route is handled on its own, from its own
// definition: routing may then apply a small change to a large table
// without running the post-processor on the unchanged routes.
func (postProcessor) RouteLocal() bool { return true }

var _ routing.RouteLocalPostProcessor = postProcessor{}

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

func (p postProcessor) setup(r *routing.Route) error {
	if len(r.LBEndpoints) == 0 {
		if r.Def == nil {
			return errNoEndpoints
		}
		eps, err := parseEndpoints(r.Def.LBEndpoints)
		if err != nil {
			return err
		}
		r.LBEndpoints = eps
	}
	algo := r.LBAlgorithm
	if algo == "" && r.Def != nil {
		algo = r.Def.LBAlgorithm
	}
	if algo == "" {
		algo = RoundRobin
	}
	if algo != RoundRobin {
		return fmt.Errorf("unknown load balancing algorithm %q", algo)
	}
	r.LBAlgorithm = algo
	r.Balancer = newBalancer(p.reg, r.LBEndpoints)
	return nil
}
