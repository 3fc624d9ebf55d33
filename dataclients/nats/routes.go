package nats

import (
	"github.com/skiff-proxy/skiff/eskip"
)

// Filter names of the routes this client makes.
const (
	// PoolFilterName gives a pool's requests and responses gorouter's
	// headers, instance targeting and error answers: natsPool("key").
	PoolFilterName = "natsPool"
	// RouterFilterName answers a request the router refuses itself:
	// natsRouter("unknown_route"), natsRouter("empty_host"), ...
	RouterFilterName = "natsRouter"
)

// Ids of the routes for the router's own answers. They are in every
// route set the client sends.
const (
	UnknownRouteID = "nats_unknown_route"
)

// Algorithm names of skiff's load balancer for gorouter's.
var lbAlgorithms = map[string]string{RoundRobin: "roundRobin", LeastConnection: "leastConnection"}

// poolRoute is the route of a pool: its keyed predicate, the pool filter
// and its endpoints. A pool retained empty has no endpoints to balance
// over; its filter answers 503 (spec §10) and the backend is a shunt.
// Caller holds the table's lock.
func poolRoute(p *pool) *eskip.Route {
	r := &eskip.Route{
		Id:         p.routeID,
		Predicates: []*eskip.Predicate{{Name: PoolPredicateName, Args: []any{p.key}}},
		Filters:    []*eskip.Filter{{Name: PoolFilterName, Args: []any{p.key}}},
	}
	if len(p.eps) == 0 {
		r.BackendType = eskip.ShuntBackend
		return r
	}
	r.BackendType = eskip.LBBackend
	r.LBAlgorithm = lbAlgorithms[p.algorithm]
	r.LBEndpoints = make([]*eskip.LBEndpoint, len(p.eps))
	for i, e := range p.eps {
		r.LBEndpoints[i] = &eskip.LBEndpoint{Address: e.url(), Zone: e.msg.AvailabilityZone}
	}
	return r
}

// routerRoutes are the routes of the router's own answers: the checks
// before lookup, found through the keyed index, and the unknown-route
// answer, a catch-all that any other route outranks.
func routerRoutes() []*eskip.Route {
	keyed := func(id, key, answer string) *eskip.Route {
		return &eskip.Route{Id: id,
			Predicates:  []*eskip.Predicate{{Name: PoolPredicateName, Args: []any{key}}},
			Filters:     []*eskip.Filter{{Name: RouterFilterName, Args: []any{answer}}},
			BackendType: eskip.ShuntBackend}
	}
	return []*eskip.Route{
		keyed("nats_health_check", keyHealth, "health"),
		keyed("nats_empty_host", keyEmptyHost, "empty_host"),
		keyed("nats_invalid_app_instance", keyBadAppInstance, "invalid_cf_app_instance_header"),
		keyed("nats_invalid_process_instance", keyBadProcessInstance, "invalid_cf_process_instance_header"),
		{Id: UnknownRouteID, Filters: []*eskip.Filter{{Name: RouterFilterName, Args: []any{"unknown_route"}}},
			BackendType: eskip.ShuntBackend},
	}
}
