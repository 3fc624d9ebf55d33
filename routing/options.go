package routing

import (
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

// PreProcessor rewrites route definitions before they are instantiated
// (default filters, cloning, <forward> resolution, ...).
type PreProcessor interface {
	Do([]*eskip.Route) []*eskip.Route
}

// PostProcessor works on instantiated routes (load balancing, fade-in, ...).
// It returns the routes to keep and, for each route it dropped, why; those
// appear in Table.Invalid.
type PostProcessor interface {
	Do([]*Route) ([]*Route, []InvalidRoute)
}

// BuildOptions configure how definitions become a Table.
type BuildOptions struct {
	// Filters instantiates the routes' filters; a name missing here makes
	// the route invalid.
	Filters filters.Registry
	// Predicates instantiates predicates other than the built-in matcher
	// predicates (Path, PathSubtree, Host, HostAny, PathRegexp, Method,
	// Header, HeaderRegexp, Weight). A registered HostAny replaces the
	// built-in one.
	Predicates PredicateRegistry

	PreProcessors  []PreProcessor
	PostProcessors []PostProcessor

	// IgnoreTrailingSlash makes /foo and /foo/ the same path for matching.
	IgnoreTrailingSlash bool

	// noHostIndex files every route in the general candidate lists; the
	// differential tests compare it with the indexed table.
	noHostIndex bool
	// shardHosts overrides defaultShardHosts, so tests reach sharded
	// host indexes with few routes.
	shardHosts int
}
