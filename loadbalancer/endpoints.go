package loadbalancer

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

var errNoEndpoints = errors.New("load-balanced route without endpoints")

// parseEndpoints normalises endpoint addresses to scheme and host:port
// (lower-case, default port filled in); path and query are ignored.
func parseEndpoints(defs []*eskip.LBEndpoint) ([]routing.LBEndpoint, error) {
	if len(defs) == 0 {
		return nil, errNoEndpoints
	}
	eps := make([]routing.LBEndpoint, 0, len(defs))
	for _, d := range defs {
		ep, err := parseEndpoint(d.Address)
		if err != nil {
			return nil, err
		}
		ep.Zone = d.Zone
		eps = append(eps, ep)
	}
	return eps, nil
}

func parseEndpoint(address string) (routing.LBEndpoint, error) {
	u, err := url.Parse(address)
	if err != nil {
		return routing.LBEndpoint{}, fmt.Errorf("endpoint %q: %w", address, err)
	}
	scheme := strings.ToLower(u.Scheme)
	var port string
	switch scheme {
	case "http", "h2c":
		port = "80"
	case "https":
		port = "443"
	case "fastcgi":
	default:
		return routing.LBEndpoint{}, fmt.Errorf("endpoint %q: unsupported scheme %q", address, u.Scheme)
	}
	host := strings.ToLower(u.Host)
	if u.Hostname() == "" {
		return routing.LBEndpoint{}, fmt.Errorf("endpoint %q: no host", address)
	}
	if u.Port() == "" && port != "" {
		host = net.JoinHostPort(strings.ToLower(u.Hostname()), port)
	}
	return routing.LBEndpoint{Scheme: scheme, Host: host}, nil
}
