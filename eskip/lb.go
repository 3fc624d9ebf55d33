package eskip

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

var errMixedProtocols = errors.New("loadbalancer endpoints cannot have mixed protocols")

// endpointError is a bad endpoint address: bad is its index, err the
// error as skipper words it, msg says what was expected.
type endpointError struct {
	bad int
	msg string
	err error
}

// lbEndpoints validates the endpoint addresses of a load-balanced backend
// and splits off their "zone" query parameter.
func lbEndpoints(addrs []string) ([]*LBEndpoint, *endpointError) {
	eps := make([]LBEndpoint, len(addrs))
	ptrs := make([]*LBEndpoint, len(addrs))
	scheme := ""
	for i, a := range addrs {
		u, err := url.ParseRequestURI(a)
		if err != nil {
			return nil, &endpointError{i, fmt.Sprintf(`load balancer endpoint %q: want an address such as "http://host:port" (%v)`, a, err), err}
		}
		if i == 0 {
			scheme = u.Scheme
		} else if u.Scheme != scheme {
			return nil, &endpointError{i, fmt.Sprintf("load balancer endpoint %q: scheme %q differs from the first endpoint's %q; endpoints cannot mix protocols", a, u.Scheme, scheme), errMixedProtocols}
		}
		eps[i] = splitZoneURL(a, u)
		ptrs[i] = &eps[i]
	}
	return ptrs, nil
}

// splitZone moves a "zone" query parameter of an endpoint address into the
// endpoint's Zone. Addresses that are not request URIs are kept as they are.
func splitZone(a string) *LBEndpoint {
	u, err := url.ParseRequestURI(a)
	if err != nil {
		return &LBEndpoint{Address: a}
	}
	ep := splitZoneURL(a, u)
	return &ep
}

// splitZoneURL does the work of splitZone on an address already parsed.
// The rest of the query is re-encoded; an address that would not parse
// again afterwards is kept whole.
func splitZoneURL(a string, u *url.URL) LBEndpoint {
	if u.RawQuery == "" {
		return LBEndpoint{Address: a}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || !q.Has("zone") {
		return LBEndpoint{Address: a}
	}
	zone := q.Get("zone")
	q.Del("zone")
	u.RawQuery = q.Encode()
	rest := u.String()
	if _, err := url.ParseRequestURI(rest); err != nil {
		return LBEndpoint{Address: a}
	}
	return LBEndpoint{Address: rest, Zone: zone}
}

// endpointAddress returns the address of ep as written in eskip: the zone,
// if any, goes back into the query.
func endpointAddress(ep *LBEndpoint) string {
	if ep.Zone == "" {
		return ep.Address
	}
	sep := "?"
	if strings.IndexByte(ep.Address, '?') >= 0 {
		sep = "&"
	}
	return ep.Address + sep + "zone=" + url.QueryEscape(ep.Zone)
}
