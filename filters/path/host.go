package path

import (
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type preserveHostSpec struct{}

func (preserveHostSpec) Name() string { return "preserveHost" }

func (s preserveHostSpec) CreateFilter(args []any) (filters.Filter, error) {
	v, err := specargs.Filter(s.Name(), args).Flag()
	if err != nil {
		return nil, err
	}
	return preserveHost(v), nil
}

// preserveHost switches the outgoing Host between the backend host and the
// incoming Host, but only while it still holds the other default: a Host set
// by a header filter wins whatever the filter order.
type preserveHost bool

func (p preserveHost) Request(ctx filters.FilterContext) {
	out := ctx.OutgoingHost()
	incoming := ctx.Request().Host
	if p {
		if isBackendHost(out, ctx.BackendUrl()) {
			// The Host the request has here: a filter's choice in an
			// outer route (before a loopback) counts.
			ctx.SetOutgoingHost(filters.RequestHost(ctx))
		}
		return
	}
	if out == incoming {
		ctx.SetOutgoingHost(backendHost(ctx.BackendUrl()))
	}
}

func (preserveHost) Response(filters.FilterContext) {}

// backendHost returns the host[:port] of a backend URL the way the proxy
// sends it: lower-case, without the scheme's default port. "" for an empty
// or host-less address (LB and other non-network routes).
func backendHost(backendURL string) string {
	scheme, rest, ok := strings.Cut(backendURL, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	h := strings.ToLower(rest)
	if port := defaultPort(strings.ToLower(scheme)); port != "" {
		h = strings.TrimSuffix(h, port)
	}
	return h
}

// isBackendHost compares host with the backend host both with and without
// the default port, whichever form the proxy chose.
func isBackendHost(host, backendURL string) bool {
	bh := backendHost(backendURL)
	if strings.EqualFold(host, bh) {
		return true
	}
	scheme, _, _ := strings.Cut(backendURL, "://")
	port := defaultPort(strings.ToLower(scheme))
	return port != "" && len(host) == len(bh)+len(port) &&
		strings.EqualFold(host[:len(bh)], bh) && host[len(bh):] == port
}

func defaultPort(scheme string) string {
	switch scheme {
	case "http", "h2c":
		return ":80"
	case "https":
		return ":443"
	}
	return ""
}
