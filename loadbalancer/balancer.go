package loadbalancer

import (
	"sync/atomic"
	"time"

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
// it. An endpoint-only update swaps in a new pool, so the state starts
// afresh with the list it belongs to (a ring or cursor never sees a list
// it was not made for).
type pool struct {
	members []Member
	eps     []routing.LBEndpoint
	turn    roundRobin // roundRobin's cursor; leastConnection's scan start
	ring    []ringNode // consistentHash only

	failOpenLogged atomic.Bool
}

// Balancer is the endpoint pool of one load-balanced route: its routing
// table entry points at it, and endpoint changes swap its pool in place.
// Its settings (algorithm, fade-in) come from the route and do not change.
type Balancer struct {
	reg     *healthcheck.Registry
	route   string // id, for logs
	algo    algorithm
	fade    fadeIn
	created []created
	passive *healthcheck.PassiveConfig // nil: passive health check off
	now     func() int64               // unix nanoseconds: the registry's clock

	pool atomic.Pointer[pool]
}

var _ routing.Balancer = (*Balancer)(nil)

// settings are what a Balancer takes from its route.
type settings struct {
	route   string
	algo    algorithm
	fade    fadeIn
	created []created
}

func newBalancer(reg *healthcheck.Registry, s settings, eps []routing.LBEndpoint) *Balancer {
	cfg := reg.Config()
	b := &Balancer{reg: reg, route: s.route, algo: s.algo, fade: s.fade, created: s.created, passive: cfg.Passive}
	// Ages are measured with the clock that stamped the endpoints.
	if clock := cfg.Now; clock != nil {
		b.now = func() int64 { return clock().UnixNano() }
	} else {
		b.now = func() int64 { return time.Now().UnixNano() }
	}
	b.pool.Store(b.newPool(eps))
	return b
}

// newPool takes each endpoint from the registry, so an endpoint that was
// in the previous pool (or in another route) is the same object with its
// age, in-flight count and health.
func (b *Balancer) newPool(eps []routing.LBEndpoint) *pool {
	p := &pool{eps: eps, members: make([]Member, len(eps))}
	for i, ep := range eps {
		e := b.reg.Endpoint(ep.Scheme, ep.Host)
		for _, c := range b.created {
			if c.host == ep.Host {
				e.SetDetected(c.when)
			}
		}
		p.members[i] = Member{Scheme: ep.Scheme, Host: ep.Host, Zone: ep.Zone, Endpoint: e}
	}
	p.turn.start(len(eps))
	if b.algo == algoConsistentHash {
		p.ring = newRing(p.members)
	}
	return p
}

// Endpoints returns the current endpoint list.
func (b *Balancer) Endpoints() []routing.LBEndpoint { return b.pool.Load().eps }

// Members returns the current members, in endpoint order. The slice is
// shared: callers must not change it.
func (b *Balancer) Members() []Member { return b.pool.Load().members }

// UpdateEndpoints swaps in a pool for eps with the same algorithm and
// fade-in; requests that start afterwards choose from it. It refuses an
// empty list.
func (b *Balancer) UpdateEndpoints(eps []routing.LBEndpoint) bool {
	if len(eps) == 0 {
		return false
	}
	b.pool.Store(b.newPool(eps))
	return true
}

// FadeInShare is e's share of a full endpoint's traffic on this route at
// now: the fade-in curve at its age, 1 when it is not fading in.
func (b *Balancer) FadeInShare(e *healthcheck.Endpoint, now time.Time) float64 {
	if b.fade.duration <= 0 {
		return 1
	}
	s, _ := b.fade.score(now.UnixNano() - e.DetectedNano())
	return s
}

// FadeIn returns the route's fade-in duration and exponent; a duration of
// 0 means no fade-in.
func (b *Balancer) FadeIn() (time.Duration, float64) {
	if b.fade.duration <= 0 {
		return 0, 1
	}
	return time.Duration(b.fade.duration), b.fade.exponent
}
