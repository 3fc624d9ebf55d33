package nats

import (
	"github.com/skiff-proxy/skiff/dataclients/nats/status"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
)

// The client's read side, for the request path (package proxy/gorouter):
// it finds a request's pool and reads pools and endpoints under the
// table's lock. Nothing here changes the table.

// Lookup returns the index key of the pool gorouter's lookup gives host
// and path (spec §5), as Options.IndexKey made it; ok is false when no
// pool serves them.
func (c *Client) Lookup(host, path string) (indexKey string, ok bool) {
	p := c.table.lookup(host, path)
	if p == nil {
		return "", false
	}
	return p.indexKey, true
}

// PoolState is what a request needs of its pool.
type PoolState struct {
	Endpoints       int
	RouteServiceURL string
	// ContextPath is the path of the route key in its registered case,
	// "/" without one: the sticky cookie's Path.
	ContextPath string
	// Algorithm is the pool's load balancing: RoundRobin or
	// LeastConnection, the router's default unless a registration's
	// options.loadbalancing chose.
	Algorithm string
}

// Pool returns the state of the pool of key; ok is false when it is gone.
func (c *Client) Pool(key string) (PoolState, bool) {
	c.table.mu.RLock()
	defer c.table.mu.RUnlock()
	p := c.table.pools[key]
	if p == nil {
		return PoolState{}, false
	}
	return PoolState{Endpoints: len(p.eps), RouteServiceURL: p.routeServiceURL, ContextPath: p.contextPath, Algorithm: p.algorithm}, true
}

// Endpoint returns the endpoint at addr of the pool of key, nil when the
// pool has none.
func (c *Client) Endpoint(key, addr string) *Endpoint {
	c.table.mu.RLock()
	defer c.table.mu.RUnlock()
	if p := c.table.pools[key]; p != nil {
		return p.byAddr[addr]
	}
	return nil
}

// FindEndpoint returns the last endpoint of the pool of key for which
// match holds (gorouter keeps the last of several, spec §11), nil for
// none. match runs under the table's read lock.
func (c *Client) FindEndpoint(key string, match func(*Endpoint) bool) *Endpoint {
	c.table.mu.RLock()
	defer c.table.mu.RUnlock()
	p := c.table.pools[key]
	if p == nil {
		return nil
	}
	var found *Endpoint
	for _, e := range p.eps {
		if match(e) {
			found = e
		}
	}
	return found
}

// BelowLimit applies a connection limit to the pool of key (spec §7.4):
// exhausted when every endpoint has limit requests in flight; otherwise,
// when some have, pick is an endpoint below the limit for the balancer
// (preferred when it is below, else the next in turn), and "" when none
// is at the limit.
func (c *Client) BelowLimit(key string, limit int64, preferred string) (exhausted bool, pick string) {
	c.table.mu.RLock()
	defer c.table.mu.RUnlock()
	p := c.table.pools[key]
	if p == nil {
		return false, ""
	}
	n := len(p.eps)
	atLimit := 0
	for _, e := range p.eps {
		if e.inflight.Load() >= limit {
			atLimit++
		}
	}
	switch {
	case atLimit == 0:
		return false, ""
	case atLimit == n:
		return true, ""
	}
	if e := p.byAddr[preferred]; e != nil && e.inflight.Load() < limit {
		return false, preferred
	}
	start := int(p.limitCursor.Add(1))
	for i := range n {
		if e := p.eps[(start+i)%n]; e.inflight.Load() < limit {
			return false, e.addr
		}
	}
	return false, ""
}

// Options are the client's options with the defaults applied.
func (c *Client) Options() Options { return c.opts }

// Counters are the router counters the request path keeps, for /varz.
func (c *Client) Counters() *status.Counters { return c.counters }

// Apply handles one router.register or router.unregister message as if it
// had arrived from NATS: for tests and for replaying registrations.
func (c *Client) Apply(subject string, payload []byte) {
	c.handle(transport.Message{Subject: subject, Data: payload})
}

// RemoveFailedTLS takes a TLS endpoint out of the pool of key at once,
// after a handshake with it failed (spec §8.2): its next registration
// brings it back, TLS endpoints having no TTL to end them otherwise. It
// does nothing to plain endpoints, which are only marked, nor to an
// endpoint a registration has replaced meanwhile; it reports whether e
// was removed.
func (c *Client) RemoveFailedTLS(key string, e *Endpoint) bool {
	if e == nil || !e.tls {
		return false
	}
	ch := changes{}
	if !c.table.removeEndpoint(key, e, c.opts.Now(), ch) {
		return false
	}
	c.opts.Log.Infof("nats: prune-failed-endpoint: %s %s", key, e.addr)
	c.markDirty(ch)
	return true
}
