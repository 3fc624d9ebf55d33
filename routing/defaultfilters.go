package routing

import "github.com/skiff-proxy/skiff/eskip"

// DefaultFilters is the pre-processor behind -default-filters-prepend and
// -default-filters-append: every route, whatever its source or backend,
// gets Prepend + its own filters + Append.
type DefaultFilters struct {
	Prepend, Append []*eskip.Filter
}

func (d DefaultFilters) Do(routes []*eskip.Route) []*eskip.Route {
	if d.empty() {
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

// empty reports whether d changes nothing.
func (d DefaultFilters) empty() bool { return len(d.Prepend) == 0 && len(d.Append) == 0 }

// activePreProcessors leaves out the pre-processors that change nothing
// (DefaultFilters without filters, which the binary always installs), so
// that a build of unique definitions does not copy and dedupe them for
// nothing.
func activePreProcessors(pps []PreProcessor) []PreProcessor {
	for i, pp := range pps {
		if isEmptyPre(pp) {
			out := append([]PreProcessor(nil), pps[:i]...)
			for _, pp := range pps[i+1:] {
				if !isEmptyPre(pp) {
					out = append(out, pp)
				}
			}
			return out
		}
	}
	return pps
}

func isEmptyPre(pp PreProcessor) bool {
	switch d := pp.(type) {
	case DefaultFilters:
		return d.empty()
	case *DefaultFilters:
		return d != nil && d.empty()
	}
	return false
}
