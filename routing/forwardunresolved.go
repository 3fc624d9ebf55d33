package routing

import (
	"errors"

	"github.com/skiff-proxy/skiff/eskip"
)

// ErrNoForwardBackend is why a <forward> route is invalid when no
// forward backend (-forward-backend-url) resolved it.
var ErrNoForwardBackend = errors.New("<forward> backend needs -forward-backend-url (Options.ForwardBackendURL)")

// ForwardUnresolved is the post-processor that drops the <forward> routes
// that reached instantiation, which happens only without a forward
// backend: serving them would answer every request with an error instead
// of saying why at load time.
type ForwardUnresolved struct{}

func (ForwardUnresolved) Do(routes []*Route) ([]*Route, []InvalidRoute) {
	var bad []InvalidRoute
	keep := routes[:0:0]
	for i, r := range routes {
		if r.BackendType != eskip.ForwardBackend {
			if bad != nil {
				keep = append(keep, r)
			}
			continue
		}
		if bad == nil {
			keep = append(keep, routes[:i]...)
		}
		inv := InvalidRoute{Id: r.Id, Source: r.Source, Reason: ReasonOther, Err: ErrNoForwardBackend}
		if r.Def != nil {
			inv.Pos = r.Def.Pos
		}
		bad = append(bad, inv)
	}
	if bad == nil {
		return routes, nil
	}
	return keep, bad
}

// RouteLocal: each route is judged on its own.
func (ForwardUnresolved) RouteLocal() bool { return true }

// Reprocessable: it changes no route.
func (ForwardUnresolved) Reprocessable() bool { return true }
