package routing

import (
	"net/http"

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

// Balancer picks the endpoint of a load-balanced route for one request. It is
// set on the route by the load-balancing post-processor.
type Balancer interface {
	// Select returns an index into endpoints. skip is the index of an
	// endpoint that must not be chosen (one that just failed, for a retry),
	// or -1. bag is the request's state bag (consistentHashKey and friends).
	Select(r *http.Request, bag map[string]any, endpoints []LBEndpoint, skip int) int
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
	// backend.
	LBAlgorithm string
	LBEndpoints []LBEndpoint
	Balancer    Balancer

	// inst is what Build instantiated for the route; copies of the route
	// (made by post-processors or reused by a later table) share it.
	inst *instance
}
