package nats

import (
	"github.com/skiff-proxy/skiff/eskip"
)

// Names of the predicate and filters of the routes this client makes;
// package proxy/gorouter implements them.
const (
	// PoolPredicateName is the keyed predicate of a pool's route:
	// NATSPool("app.example.com/api") takes the requests gorouter's lookup
	// gives that pool.
	PoolPredicateName = "NATSPool"
	// PoolFilterName gives a pool's requests and responses gorouter's
	// headers, instance targeting and error answers: natsPool("key").
	PoolFilterName = "natsPool"
	// RouterFilterName answers a request the router refuses itself:
	// natsRouter("unknown_route"), natsRouter("empty_host"), ...
	RouterFilterName = "natsRouter"
)

// Keys of the routes the client adds for the router's own answers, taken
// before any pool is looked up (spec §10's order of checks).
const (
	KeyHealth             = "!health"
	KeyBadProtocol        = "!unsupported_protocol"
	KeyEmptyHost          = "!empty_host"
	KeyBadAppInstance     = "!invalid_app_instance"
	KeyBadProcessInstance = "!invalid_process_instance"
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
		keyed("nats_health_check", KeyHealth, "health"),
		keyed("nats_unsupported_protocol", KeyBadProtocol, "unsupported_protocol"),
		keyed("nats_empty_host", KeyEmptyHost, "empty_host"),
		keyed("nats_invalid_app_instance", KeyBadAppInstance, "invalid_cf_app_instance_header"),
		keyed("nats_invalid_process_instance", KeyBadProcessInstance, "invalid_cf_process_instance_header"),
		{Id: UnknownRouteID, Filters: []*eskip.Filter{{Name: RouterFilterName, Args: []any{"unknown_route"}}},
			BackendType: eskip.ShuntBackend},
	}
}
