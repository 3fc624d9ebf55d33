package gorouter

import (
	"net/http"
	"sync"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
)

// X-Vcap-Trace (spec §9.2): a request that carries the router's trace key
// gets the router's and the endpoint's addresses on its response, so that
// an operator can tell which router and which instance answered. The key
// guards them because they are addresses inside the platform.
const (
	headerVcapTrace     = "X-Vcap-Trace"
	headerVcapRouter    = "X-Vcap-Router"
	headerVcapBackend   = "X-Vcap-Backend"
	headerRouteEndpoint = "X-Cf-Routeendpoint" // gorouter writes X-Cf-RouteEndpoint
)

// routerIP is the address the router announces in router.start (the
// transport's Host, or the local address it finds), found once per client:
// finding it asks the kernel for a route.
type routerIP struct {
	once sync.Once
	ip   string
}

func (r *routerIP) get(o nats.Options) string {
	r.once.Do(func() {
		r.ip = o.Transport.Host
		if r.ip == "" {
			r.ip = transport.LocalIPv4()
		}
	})
	return r.ip
}

// traceHeaders adds the trace headers to the response of a proxied
// request that asked for them. e is the endpoint of the last attempt;
// when it was unregistered while the request was on its way there is no
// endpoint object, and the address is the one Attempt put in the request's
// X-Cf-Instanceid instead.
func (f *poolFilter) traceHeaders(r *http.Request, rsp *http.Response, e *nats.Endpoint) {
	if f.opts.TraceKey == "" || r.Header.Get(headerVcapTrace) != f.opts.TraceKey {
		return
	}
	addr := r.Header.Get(headerInstanceID)
	if e != nil {
		addr = e.Addr()
	}
	rsp.Header[headerVcapRouter] = []string{f.routerIP}
	rsp.Header[headerVcapBackend] = []string{addr}
	rsp.Header[headerRouteEndpoint] = []string{addr}
}
