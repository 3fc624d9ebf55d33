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

	// DropInvalidUpdates turns off keeping the last valid version of a
	// route. By default (false), when a route id the table serves gets a
	// new definition that is invalid (it fails to instantiate after the
	// pre-processors, or a post-processor rejects it), a Routing keeps
	// serving the route's last valid version: the rejected version is
	// listed in Table.Invalid with Stale set, so that a typo in one edit
	// is not an outage of that route. With DropInvalidUpdates the route
	// leaves the table, as skipper does. Either way a deleted route, or
	// one that never had a valid version, is not served. It has no effect
	// on Build, which keeps no earlier versions.
	DropInvalidUpdates bool

	// noHostIndex files every route in the general candidate lists; the
	// differential tests compare it with the indexed table.
	noHostIndex bool
	// shardHosts overrides defaultShardHosts, so tests reach sharded
	// host indexes with few routes.
	shardHosts int
}
