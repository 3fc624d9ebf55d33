package skiff

import (
	"github.com/skiff-proxy/skiff/eskip"
)

// defaultFilters is the pre-processor behind -default-filters-prepend and
// -default-filters-append: every route, whatever its source or backend,
// gets prepend + own filters + append.
type defaultFilters struct {
	prepend, append []*eskip.Filter
}

func (d defaultFilters) Do(routes []*eskip.Route) []*eskip.Route {
	if len(d.prepend) == 0 && len(d.append) == 0 {
		return routes
	}
	out := make([]*eskip.Route, len(routes))
	for i, r := range routes {
		// Copy the route: the data client may still hold the original and
		// hand it over again on the next rebuild.
		c := *r
		fs := make([]*eskip.Filter, 0, len(d.prepend)+len(r.Filters)+len(d.append))
		fs = append(fs, d.prepend...)
		fs = append(fs, r.Filters...)
		fs = append(fs, d.append...)
		c.Filters = fs
		out[i] = &c
	}
	return out
}

// RouteLocal tells routing that each route is rewritten on its own, so
// that a small change re-runs the pre-processor on the changed routes only.
func (defaultFilters) RouteLocal() bool { return true }
