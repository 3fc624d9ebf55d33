package routing

import (
	"fmt"
	"net/url"

	"github.com/skiff-proxy/skiff/eskip"
)

// forwardResolver is the pre-processor behind -forward-backend-url: a
// <forward> route becomes a network route to the configured backend and
// loses its filters, since the forward target is meant to see the request
// as the client sent it.
type forwardResolver struct{ backend string }

// NewForwardResolver returns the <forward> pre-processor for backend, an
// absolute http or https URL.
func NewForwardResolver(backend string) (PreProcessor, error) {
	u, err := url.Parse(backend)
	if err != nil {
		return nil, fmt.Errorf("forward backend %q: %w", backend, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("forward backend %q: want an http or https URL with a host", backend)
	}
	return forwardResolver{backend}, nil
}

func (f forwardResolver) Do(routes []*eskip.Route) []*eskip.Route {
	return rewriteRoutes(routes, func(r *eskip.Route) (*eskip.Route, bool) {
		if r == nil || r.BackendType != eskip.ForwardBackend {
			return r, false
		}
		// The definition may still be held by its data client.
		c := *r
		c.BackendType = eskip.NetworkBackend
		c.Backend = f.backend
		c.Filters = nil
		return &c, true
	})
}

// RouteLocal: each route is resolved on its own.
func (forwardResolver) RouteLocal() bool { return true }

var _ RouteLocalPreProcessor = forwardResolver{}
