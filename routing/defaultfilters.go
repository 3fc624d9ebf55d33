package routing

import "github.com/skiff-proxy/skiff/eskip"

// DefaultFilters is the pre-processor behind -default-filters-prepend and
// -default-filters-append: every route, whatever its source or backend,
// gets Prepend + its own filters + Append.
type DefaultFilters struct {
	Prepend, Append []*eskip.Filter
}

func (d DefaultFilters) Do(routes []*eskip.Route) []*eskip.Route {
	if len(d.Prepend) == 0 && len(d.Append) == 0 {
		return routes
	}
	out := make([]*eskip.Route, len(routes))
	for i, r := range routes {
		// Copy the route: the data client may still hold the original and
		// hand it over again on the next rebuild.
		c := *r
		fs := make([]*eskip.Filter, 0, len(d.Prepend)+len(r.Filters)+len(d.Append))
		fs = append(fs, d.Prepend...)
		fs = append(fs, r.Filters...)
		fs = append(fs, d.Append...)
		c.Filters = fs
		out[i] = &c
	}
	return out
}

// RouteLocal tells routing that each route is rewritten on its own, so
// that a small change re-runs the pre-processor on the changed routes only.
func (DefaultFilters) RouteLocal() bool { return true }
