package loadbalancer

import (
	"net/http"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
)

// preferred returns the member at host (host:port) when it can take the
// request: usable and not an endpoint that failed this request.
func (p *pool) preferred(host string, exclude []*healthcheck.Endpoint) *Member {
	for i := range p.members {
		m := &p.members[i]
		if m.Host != host {
			continue
		}
		if excluded(m.Endpoint, exclude) || (m.Endpoint != nil && !m.Endpoint.Usable(time.Now())) {
			return nil
		}
		return m
	}
	return nil
}

// Select picks the member for r. bag is the request's state bag, where
// the consistentHashKey and consistentHashBalanceFactor filters leave
// their values. exclude lists the endpoints of attempts of this request
// that failed: one of them is chosen again only if there is no other.
//
// Dead and lame-duck endpoints, endpoints fade-in holds back and
// endpoints the passive health check drops are hidden from the algorithm;
// a stage that would hide every endpoint is skipped. The result points
// into the pool and stays valid after the pool is replaced.
func (b *Balancer) Select(r *http.Request, bag map[string]any, exclude []*healthcheck.Endpoint) *Member {
	p := b.pool.Load()
	n := len(p.members)
	if n == 1 {
		return &p.members[0]
	}
	if want, ok := bag[filters.PreferredEndpoint].(string); ok {
		if m := p.preferred(want, exclude); m != nil {
			return m
		}
	}
	if n > maxStack {
		return b.selectLarge(p, r, bag, exclude)
	}
	var flags [maxStack]uint8
	mask, hidden := b.hide(p, flags[:n], exclude)
	if !hidden {
		return &p.members[b.pick(p, view{n: n}, r, bag)]
	}
	// Declared here, the list is only cleared when it is needed.
	var idx [maxStack]int32
	return &p.members[b.pick(p, listed(flags[:n], mask, idx[:0]), r, bag)]
}

// selectLarge is Select for pools larger than the stack list.
func (b *Balancer) selectLarge(p *pool, r *http.Request, bag map[string]any, exclude []*healthcheck.Endpoint) *Member {
	s := getScratch(len(p.members))
	defer scratches.Put(s)
	mask, hidden := b.hide(p, s.flags, exclude)
	if !hidden {
		return &p.members[b.pick(p, view{n: len(p.members)}, r, bag)]
	}
	return &p.members[b.pick(p, listed(s.flags, mask, s.idx[:0]), r, bag)]
}

// excluded reports whether e is in list (a request's failed endpoints:
// a few at most).
func excluded(e *healthcheck.Endpoint, list []*healthcheck.Endpoint) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

// pick runs the route's algorithm over the candidates and returns a
// member index.
func (b *Balancer) pick(p *pool, c view, r *http.Request, bag map[string]any) int {
	if c.n == 1 {
		return c.at(0)
	}
	switch b.algo {
	case algoRandom:
		return pickRandom(c)
	case algoConsistentHash:
		return pickConsistentHash(p.ring, c, p.members, r, bag)
	case algoPowerOfTwo:
		return pickPowerOfTwo(c, p.members)
	case algoLeastConnection:
		return pickLeastConnection(c, p.members, &p.turn)
	}
	return p.turn.pick(c)
}
