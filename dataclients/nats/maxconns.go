package nats

import (
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
)

// bagCounted is the endpoint whose in-flight count the request holds.
const bagCounted = "nats:counted"

// Connection limits (spec §7.4): an endpoint's in-flight count covers a
// request from the start of its attempt until the response headers
// arrive (or the attempt fails), not the streaming of the body nor an
// upgraded connection. An endpoint at MaxConns takes no new request; a
// pool whose endpoints are all at the limit answers 503.

// checkLimit reports whether every endpoint of p is at the limit, and
// otherwise, when some are, picks one below it for the balancer: the
// next after the last one picked this way.
func (f *poolFilter) checkLimit(p *pool, bag map[string]any) (exhausted bool) {
	limit := int64(f.c.opts.MaxConns)
	if limit <= 0 {
		return false
	}
	f.c.table.mu.RLock()
	defer f.c.table.mu.RUnlock()
	n := len(p.eps)
	atLimit := 0
	for _, e := range p.eps {
		if e.inflight.Load() >= limit {
			atLimit++
		}
	}
	switch {
	case atLimit == 0:
		return false
	case atLimit == n:
		return true
	}
	if want, ok := bag[filters.PreferredEndpoint].(string); ok {
		if e := p.byAddr[want]; e != nil && e.inflight.Load() < limit {
			return false
		}
	}
	start := int(p.limitCursor.Add(1))
	for i := range n {
		if e := p.eps[(start+i)%n]; e.inflight.Load() < limit {
			bag[filters.PreferredEndpoint] = e.addr
			break
		}
	}
	return false
}

// count moves the request's in-flight count to e, releasing the one a
// failed earlier attempt held.
func count(bag map[string]any, r *http.Request, e *endpoint) {
	release(bag)
	if e == nil || r.Header.Get("Upgrade") != "" {
		return
	}
	e.inflight.Add(1)
	bag[bagCounted] = e
}

// release ends the request's in-flight count, once its response headers
// arrived or its attempt failed.
func release(bag map[string]any) {
	if e, ok := bag[bagCounted].(*endpoint); ok {
		e.inflight.Add(-1)
		delete(bag, bagCounted)
	}
}
