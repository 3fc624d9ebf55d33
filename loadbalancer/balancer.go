package loadbalancer

import (
	"net/http"
	"sync/atomic"

	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

// Member is one endpoint of a pool: where to send the request, and the
// shared endpoint object the proxy reports the attempt to.
type Member struct {
	Scheme   string
	Host     string // host:port
	Zone     string
	Endpoint *healthcheck.Endpoint
}

// pool is one immutable endpoint list with the algorithm state made for
// it. An endpoint-only update swaps in a new pool.
type pool struct {
	members []Member
	eps     []routing.LBEndpoint
	rr      roundRobin
}

// Balancer is the endpoint pool of one load-balanced route: its routing
// table entry points at it, and endpoint changes swap its pool in place.
type Balancer struct {
	reg  *healthcheck.Registry
	pool atomic.Pointer[pool]
}

var _ routing.Balancer = (*Balancer)(nil)

func newBalancer(reg *healthcheck.Registry, eps []routing.LBEndpoint) *Balancer {
	b := &Balancer{reg: reg}
	b.pool.Store(b.newPool(eps))
	return b
}

func (b *Balancer) newPool(eps []routing.LBEndpoint) *pool {
	p := &pool{eps: eps, members: make([]Member, len(eps))}
	for i, ep := range eps {
		p.members[i] = Member{Scheme: ep.Scheme, Host: ep.Host, Zone: ep.Zone, Endpoint: b.reg.Endpoint(ep.Scheme, ep.Host)}
	}
	p.rr.start(len(eps))
	return p
}

// Endpoints returns the current endpoint list.
func (b *Balancer) Endpoints() []routing.LBEndpoint { return b.pool.Load().eps }

// Members returns the current members.
func (b *Balancer) Members() []Member { return b.pool.Load().members }

// UpdateEndpoints swaps in a pool for eps.
func (b *Balancer) UpdateEndpoints(eps []routing.LBEndpoint) bool {
	if len(eps) == 0 {
		return false
	}
	b.pool.Store(b.newPool(eps))
	return true
}

// Select picks the member for r. exclude, if not nil, is an endpoint that
// just failed: it is chosen only if it is the only one.
func (b *Balancer) Select(r *http.Request, bag map[string]any, exclude *healthcheck.Endpoint) *Member {
	p := b.pool.Load()
	n := len(p.members)
	if n == 1 {
		return &p.members[0]
	}
	i := p.rr.next(n)
	if exclude != nil && p.members[i].Endpoint == exclude {
		i = p.rr.next(n)
	}
	return &p.members[i]
}
