package healthcheck

import "time"

// EndpointInfo is one endpoint as the support listener's /endpoints
// shows it. Times are UTC and marshal as RFC 3339.
type EndpointInfo struct {
	Address string `json:"address"`
	Scheme  string `json:"scheme"`
	// Routes are the ids of the routes using the endpoint, as the caller
	// of Snapshot knows them; never nil, so that JSON shows [].
	Routes          []string  `json:"routes"`
	State           State     `json:"state"`
	Since           time.Time `json:"since"`
	Reason          string    `json:"reason,omitempty"`
	InFlight        int64     `json:"in_flight"`
	Detected        time.Time `json:"detected"`
	Requests        uint64    `json:"requests"`
	Failures        uint64    `json:"failures"`
	DropProbability float64   `json:"drop_probability"`
}

// Snapshot describes every endpoint, sorted by address. routesOf returns
// the ids of the routes that use a host:port; nil leaves Routes empty.
func (r *Registry) Snapshot(routesOf func(hostport string) []string) []EndpointInfo {
	eps := r.Endpoints()
	out := make([]EndpointInfo, len(eps))
	for i, e := range eps {
		s, since, reason := e.Status()
		var routes []string
		if routesOf != nil {
			routes = routesOf(e.addr)
		}
		if routes == nil {
			routes = []string{}
		}
		out[i] = EndpointInfo{
			Address:         e.addr,
			Scheme:          e.scheme,
			Routes:          routes,
			State:           s,
			Since:           since.UTC(),
			Reason:          reason,
			InFlight:        e.InFlight(),
			Detected:        e.Detected().UTC(),
			Requests:        e.Requests(),
			Failures:        e.Failures(),
			DropProbability: e.DropProbability(),
		}
	}
	return out
}
