package nats

import (
	"strings"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
)

// table is gorouter's routing table: the pools by route key, and the
// prefixes of every key, which the lookup walks (spec §5). Requests read
// it under the read lock; registrations that change nothing need no more
// than that, so the write lock is taken only on a real change.
type table struct {
	mu    sync.RWMutex
	pools map[string]*pool
	// nodes counts, for each prefix of a key ending at a segment
	// boundary ("a.test", "a.test/api"), the pools under it: the nodes of
	// gorouter's trie.
	nodes map[string]int

	algorithm      string
	indexKey       func(string) string
	staleThreshold time.Duration
	retainEmpty    time.Duration // > 0: empty pools stay this long (§4.5)
	// lastUpdate is when the table last changed, for /varz.
	lastUpdate time.Time
}

func newTable(algorithm string, staleThreshold, retainEmpty time.Duration) *table {
	return &table{pools: map[string]*pool{}, nodes: map[string]int{}, algorithm: algorithm,
		indexKey:       func(k string) string { return k },
		staleThreshold: staleThreshold, retainEmpty: retainEmpty}
}

// changes collects the pools a call changed: their keys, with the route id
// of pools that were deleted (the route goes too).
type changes map[string]string

// register applies a registration to the pool of key (spec §4.3). A
// change beyond the endpoint's last-seen time puts the pool in ch.
func (t *table) register(key, contextPath string, m *registration.Message, addr string, tls bool, now time.Time, ch changes) {
	ttl := registration.TTL(m.StaleThresholdInSeconds, t.staleThreshold)
	algo := validAlgorithm(m.Options.LoadBalancing)
	t.mu.RLock()
	p := t.pools[key]
	if p != nil {
		if e := p.byAddr[addr]; e != nil && e.same(m, tls, ttl) &&
			p.routeServiceURL == m.RouteServiceURL && (algo == "" || algo == p.algorithm) {
			// The common case: a refresh. Nothing but the time changes.
			e.seen.Store(now.UnixNano())
			t.mu.RUnlock()
			return
		}
	}
	t.mu.RUnlock()

	t.mu.Lock()
	defer t.mu.Unlock()
	p = t.pools[key]
	if p == nil {
		p = newPool(key, contextPath, t.algorithm, t.indexKey(key))
		t.pools[key] = p
		t.addNodes(key, 1)
	}
	p.routeServiceURL = m.RouteServiceURL
	if algo != "" {
		// A pool never reverts to the default while it exists (§4.4).
		p.algorithm = algo
	}
	if e := p.byAddr[addr]; e != nil && e.same(m, tls, ttl) {
		e.seen.Store(now.UnixNano())
	} else {
		p.put(newEndpoint(m, addr, tls, ttl, now))
	}
	ch[key] = p.routeID
	t.lastUpdate = now
}

// validAlgorithm is the pool algorithm a registration's
// options.loadbalancing asks for, "" for none or an unknown value (§4.4).
func validAlgorithm(s string) string {
	switch s {
	case RoundRobin, LeastConnection:
		return s
	}
	return ""
}

// unregister removes the endpoint at addr from the pool of key (spec
// §4.5). It reports false when the pool has no such endpoint.
func (t *table) unregister(key, addr string, now time.Time, ch changes) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removeLocked(key, addr, nil, now, ch)
}

// removeEndpoint removes e from the pool of key, unless a registration
// has replaced it since (spec §8.2's removal of a failing TLS endpoint
// must not take its successor).
func (t *table) removeEndpoint(key string, e *Endpoint, now time.Time, ch changes) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removeLocked(key, e.addr, e, now, ch)
}

// removeLocked removes the endpoint at addr (when only is not nil: only
// if it is that object), retaining or deleting an emptied pool.
func (t *table) removeLocked(key, addr string, only *Endpoint, now time.Time, ch changes) bool {
	p := t.pools[key]
	if p == nil || (only != nil && p.byAddr[addr] != only) || !p.remove(addr) {
		return false
	}
	ch[key] = p.routeID
	t.lastUpdate = now
	if len(p.eps) == 0 {
		if t.retainEmpty > 0 {
			p.emptySince = now
		} else {
			t.deletePool(p)
		}
	}
	return true
}

func (t *table) deletePool(p *pool) {
	delete(t.pools, p.key)
	t.addNodes(p.key, -1)
}

// addNodes adds d to the count of every prefix of key that ends at a
// segment boundary, the key included.
func (t *table) addNodes(key string, d int) {
	for i := 0; ; {
		j := strings.IndexByte(key[i:], '/')
		end := len(key)
		if j >= 0 {
			end = i + j
		}
		prefix := key[:end]
		if n := t.nodes[prefix] + d; n > 0 {
			t.nodes[prefix] = n
		} else {
			delete(t.nodes, prefix)
		}
		if j < 0 {
			return
		}
		i = end + 1
	}
}

// pruned is one endpoint a prune removed, for the log.
type pruned struct {
	key, addr, isolationSegment string
}

// prune removes the plain endpoints whose TTL ran out and the empty pools
// retained for longer than the timeout (spec §6.3).
func (t *table) prune(now time.Time, ch changes) []pruned {
	n := now.UnixNano()
	var out []pruned
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.pools {
		for i := 0; i < len(p.eps); {
			e := p.eps[i]
			if !e.stale(n) {
				i++
				continue
			}
			p.remove(e.addr)
			out = append(out, pruned{p.key, e.addr, e.msg.IsolationSegment})
			ch[p.key] = p.routeID
			if len(p.eps) == 0 && t.retainEmpty > 0 {
				p.emptySince = now
			}
		}
		if len(p.eps) == 0 && (t.retainEmpty <= 0 || now.Sub(p.emptySince) > t.retainEmpty) {
			t.deletePool(p)
			ch[p.key] = p.routeID
		}
	}
	if len(out) > 0 {
		t.lastUpdate = now
	}
	return out
}

// refreshAll gives every endpoint a full TTL from now: after NATS was
// unreachable, registrars need one interval to send everything again
// (spec §6.4).
func (t *table) refreshAll(now time.Time) {
	n := now.UnixNano()
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, p := range t.pools {
		for _, e := range p.eps {
			e.seen.Store(n)
		}
	}
}
