package skiff

import (
	"errors"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

// errNoForwardBackend is why a <forward> route is invalid when no
// -forward-backend-url resolved it.
var errNoForwardBackend = errors.New("<forward> backend needs -forward-backend-url (Options.ForwardBackendURL)")

// forwardUnresolved drops the <forward> routes that reached instantiation,
// which happens only without -forward-backend-url: serving them would
// answer every request with an error instead of saying why at load time.
type forwardUnresolved struct{}

func (forwardUnresolved) Do(routes []*routing.Route) ([]*routing.Route, []routing.InvalidRoute) {
	var bad []routing.InvalidRoute
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
		inv := routing.InvalidRoute{Id: r.Id, Source: r.Source, Reason: routing.ReasonOther, Err: errNoForwardBackend}
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
func (forwardUnresolved) RouteLocal() bool { return true }
