package routing

import (
	"fmt"

	"github.com/skiff-proxy/skiff/eskip"
)

// Endpoint-only updates. Sources such as NATS, etcd or an orchestrator
// change the endpoint list of load-balanced routes all day, one endpoint
// at a time. Such a change touches nothing the table is made of (the
// matcher, the filters, the predicates): the route's Balancer takes the
// new list in place, and the table stays as it is. The change is live as
// soon as the pool is swapped, whatever the size of the table, and the
// endpoints the route kept keep their state (it lives in shared endpoint
// objects, not in the route).

// endpointsOnly reports whether def differs from old in nothing but the
// endpoints of a load-balanced backend.
func endpointsOnly(old, def *eskip.Route) bool {
	if old.BackendType != eskip.LBBackend || def.BackendType != eskip.LBBackend {
		return false
	}
	x := *old
	x.LBEndpoints = def.LBEndpoints
	return eskip.Identical(&x, def)
}

// lbEndpoints parses the endpoints of a load-balanced definition.
func (b *builder) lbEndpoints(def *eskip.Route) ([]LBEndpoint, *routeError) {
	eps := make([]LBEndpoint, 0, len(def.LBEndpoints))
	for i, ep := range def.LBEndpoints {
		s := b.split(ep.Address)
		if s.err != nil {
			return nil, &routeError{ReasonInvalidLB, fmt.Errorf("load balancer endpoint %d: %w", i+1, s.err)}
		}
		eps = append(eps, LBEndpoint{Scheme: s.addr.Scheme, Host: s.addr.Host, Zone: ep.Zone})
	}
	return eps, nil
}

// updateInPlace applies def to the route the table serves for c when only
// its endpoints changed, and reports whether it did. A new list that does
// not parse, or a route served in a stale version, takes the normal path
// (which reports the error and keeps the last valid version).
func (b *builder) updateInPlace(c *cached, def *eskip.Route, src string, gen uint64) bool {
	r := c.final
	if r == nil || r.Balancer == nil || c.stale || c.invalid != nil || c.proto == nil ||
		c.source != src || len(def.LBEndpoints) == 0 || !endpointsOnly(c.def, def) {
		return false
	}
	eps, err := b.lbEndpoints(def)
	if err != nil || !r.Balancer.UpdateEndpoints(eps) {
		return false
	}
	// A later full build starts from the proto: it must carry the new
	// definition and endpoints, so that it gives the same route.
	proto := *c.proto
	proto.Def, proto.LBEndpoints = def, eps
	c.proto, c.def, c.gen = &proto, def, gen
	return true
}
