package eskip

import (
	"errors"
	"net/url"
)

var errMixedProtocols = errors.New("loadbalancer endpoints cannot have mixed protocols")

// lbEndpoints validates the endpoint addresses of a load-balanced backend
// and splits off their "zone" query parameter.
func lbEndpoints(addrs []string) ([]*LBEndpoint, error) {
	eps := make([]LBEndpoint, len(addrs))
	ptrs := make([]*LBEndpoint, len(addrs))
	scheme := ""
	for i, a := range addrs {
		u, err := url.ParseRequestURI(a)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			scheme = u.Scheme
		} else if u.Scheme != scheme {
			return nil, errMixedProtocols
		}
		eps[i].Address = a
		if u.RawQuery != "" {
			eps[i] = *splitZone(a)
		}
		ptrs[i] = &eps[i]
	}
	return ptrs, nil
}

// endpointAddress returns the address of ep as written in eskip: the zone,
// if any, goes back into the query.
func endpointAddress(ep *LBEndpoint) string {
	if ep.Zone == "" {
		return ep.Address
	}
	u, err := url.Parse(ep.Address)
	if err != nil {
		return ep.Address
	}
	q := u.Query()
	q.Set("zone", ep.Zone)
	u.RawQuery = q.Encode()
	return u.String()
}
