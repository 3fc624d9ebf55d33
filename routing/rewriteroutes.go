package routing

import "github.com/skiff-proxy/skiff/eskip"

// rewriteRoutes is the copy-on-write walk of the rewriting pre-processors:
// each route is replaced by what f returns, and the slice is copied on the
// first change, because data clients may still hold routes and hand it
// over again. It returns routes itself when f changed nothing.
func rewriteRoutes(routes []*eskip.Route, f func(*eskip.Route) (*eskip.Route, bool)) []*eskip.Route {
	var out []*eskip.Route
	for i, r := range routes {
		nr, changed := f(r)
		if changed && out == nil {
			out = make([]*eskip.Route, len(routes))
			copy(out, routes[:i])
		}
		if out != nil {
			out[i] = nr
		}
	}
	if out == nil {
		return routes
	}
	return out
}
