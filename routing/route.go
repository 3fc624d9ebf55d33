package routing

import (
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

// RouteFilter is an instantiated filter of a route, with the name it was
// created under.
type RouteFilter struct {
	Name   string
	Args   []any
	Filter filters.Filter
}

// LBEndpoint is one parsed endpoint of a load-balanced route.
type LBEndpoint struct {
	Scheme string // lower-case
	Host   string // host:port, port filled with the scheme default
	Zone   string
}

// Balancer is the endpoint pool of a load-balanced route, set on the route
// by the load-balancing post-processor; the proxy asks it (through the
// loadbalancer package) for each request's endpoint. Routing only needs to
// see and replace its endpoints: an update that changes nothing but a
// route's endpoint list is applied to the pool in place, without creating
// the route's filters and predicates again or rebuilding the table.
type Balancer interface {
	// Endpoints returns the endpoints the pool currently chooses from.
	Endpoints() []LBEndpoint
	// UpdateEndpoints replaces the endpoint list atomically: requests
	// that start afterwards choose from eps. Endpoints kept keep their
	// state. It reports false when the pool cannot take the change in
	// place; routing then instantiates the route again.
	UpdateEndpoints(eps []LBEndpoint) bool
}

// Route is one valid route of a Table: its definition and everything
// instantiated from it. Routes are immutable once the Table is built.
type Route struct {
	// Def is the route as it was defined, after pre-processors.
	Def *eskip.Route
	// Id is Def.Id.
	Id string
	// Source is the name of the data client that delivered the route.
	Source string

	// Filters run in order in the request phase, reversed in the response
	// phase.
	Filters []*RouteFilter

	// Predicates are the instantiated custom predicates, in route order.
	Predicates []Predicate
	// Weight orders candidates of one leaf: the heavier is tried first
	// (docs/routing.md).
	Weight int

	BackendType eskip.BackendType
	// Scheme and Host are the network backend split: lower-case scheme,
	// host:port with the scheme's default port filled in.
	Scheme string
	Host   string

	// LBAlgorithm, LBEndpoints and Balancer describe a load-balanced
	// backend. LBEndpoints are the endpoints the route was instantiated
	// with; an endpoint-only update changes the Balancer's list in place,
	// so Balancer.Endpoints is the current one.
	LBAlgorithm string
	LBEndpoints []LBEndpoint
	Balancer    Balancer

	// Metrics receives the route's requests when metrics are on: package
	// metrics binds it with a post-processor when the route is built, so
	// that the proxy looks nothing up per request. Routing itself does not
	// use it. nil when metrics are off.
	Metrics RouteMetrics

	// inst is what Build instantiated for the route; copies of the route
	// (made by post-processors or reused by a later table) share it.
	inst *instance
}
