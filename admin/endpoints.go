package admin

import (
	"net/http"
	"sort"
	"time"

	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// EndpointView is one load-balanced endpoint as /endpoints and /routes
// show it.
type EndpointView struct {
	// Address is scheme://host:port.
	Address string `json:"address"`
	// Routes are the ids of the current table's routes using it.
	Routes []string `json:"routes,omitempty"`
	State  string   `json:"state"`
	// Since is the time of the last change of State; Reason says why.
	Since  time.Time `json:"since"`
	Reason string    `json:"reason,omitempty"`
	// InFlight counts the requests the endpoint has not answered yet.
	InFlight int64 `json:"in_flight"`
	// Detected is when the endpoint was first seen (fade-in counts from
	// there). FadeIn is its share of a full endpoint's traffic, the
	// lowest over the routes using it: 1 when it is not fading in.
	Detected time.Time `json:"detected"`
	FadeIn   float64   `json:"fade_in"`
	// DropProbability is the passive health check's.
	DropProbability float64 `json:"drop_probability"`
	Requests        uint64  `json:"requests"`
	Failures        uint64  `json:"failures"`
	// Damping is the update-flap damping of a data client that damps its
	// registrations (NATS): one entry per route the endpoint registers
	// under; none when nothing damps it. An endpoint whose registration
	// is held back is listed with the state "unregistered".
	Damping []EndpointDamping `json:"damping,omitempty"`
}

// EndpointDamping is one endpoint's flap damping under one route.
type EndpointDamping struct {
	// Route is the data client's name of the route (a NATS route key).
	Route string `json:"route"`
	// Penalty grows with every flip between registered and unregistered
	// and decays over time; above the suppression threshold further
	// flips are held back.
	Penalty    float64   `json:"penalty"`
	Suppressed bool      `json:"suppressed"`
	Since      time.Time `json:"suppressed_since,omitzero"`
	// Held is the state waiting to be applied when the penalty has
	// decayed: "registered" or "unregistered"; empty when none waits.
	Held string `json:"held,omitempty"`
}

// EndpointsOf returns the Options.Endpoints function for a table source
// and the endpoint registry its load balancers use: every endpoint of the
// current table's load-balanced routes, sorted by address.
func EndpointsOf(src TableSource, reg *healthcheck.Registry) func() []EndpointView {
	return func() []EndpointView {
		t := src.Acquire()
		defer t.Release()
		now := time.Now()
		byEndpoint := map[*healthcheck.Endpoint]*EndpointView{}
		var order []*EndpointView
		loadbalancer.EachMember(t, func(r *routing.Route, m *loadbalancer.Member) {
			v := byEndpoint[m.Endpoint]
			if v == nil {
				v = newEndpointView(m, now)
				byEndpoint[m.Endpoint] = v
				order = append(order, v)
			}
			v.Routes = append(v.Routes, r.Id)
			v.FadeIn = min(v.FadeIn, fadeIn(r, m.Endpoint, now))
		})
		out := make([]EndpointView, len(order))
		for i, v := range order {
			out[i] = *v
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
		return out
	}
}

func newEndpointView(m *loadbalancer.Member, now time.Time) *EndpointView {
	e := m.Endpoint
	state, since, reason := e.Status()
	if state != healthcheck.Healthy && e.Usable(now) {
		state, since, reason = e.Status() // an expired dead mark
	}
	return &EndpointView{
		Address:         m.Scheme + "://" + m.Host,
		State:           state.String(),
		Since:           since.UTC(),
		Reason:          reason,
		InFlight:        e.InFlight(),
		Detected:        e.Detected().UTC(),
		FadeIn:          1,
		DropProbability: e.DropProbability(),
		Requests:        e.Requests(),
		Failures:        e.Failures(),
	}
}

// fadeIn is the endpoint's fade-in share on route r at now.
func fadeIn(r *routing.Route, e *healthcheck.Endpoint, now time.Time) float64 {
	if b, ok := r.Balancer.(*loadbalancer.Balancer); ok {
		return b.FadeInShare(e, now)
	}
	return 1
}

// endpointsHandler serves /endpoints as JSON.
func endpointsHandler(list func() []EndpointView) http.HandlerFunc {
	return jsonView("endpoints", list, false)
}
