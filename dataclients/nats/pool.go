package nats

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync/atomic"
	"time"
)

// pool is the endpoints of one route key (host plus context path), in
// registration order (spec §4.2).
type pool struct {
	key         string // normalised: lower-case, no query, no trailing '/'
	contextPath string // as first registered, original case: "/API"
	// routeID and indexKey name the pool's route in the routing table and
	// in the keyed index; fixed for the pool's life.
	routeID, indexKey string

	algorithm       string // RoundRobin or LeastConnection
	routeServiceURL string // last writer wins (§4.4)
	eps             []*Endpoint
	byAddr          map[string]*Endpoint
	// emptySince is when the last endpoint left a pool retained empty
	// (§4.5); zero while it has endpoints.
	emptySince time.Time
	// limitCursor spreads requests over the endpoints below the
	// connection limit when others are at it.
	limitCursor atomic.Uint32
}

func newPool(key, contextPath, algorithm, indexKey string) *pool {
	id := routeID(key)
	return &pool{key: key, contextPath: contextPath, routeID: id, indexKey: indexKey,
		algorithm: algorithm, byAddr: map[string]*Endpoint{}}
}

func (p *pool) put(e *Endpoint) (added bool) {
	if old := p.byAddr[e.addr]; old != nil {
		for i, x := range p.eps {
			if x == old {
				p.eps[i] = e
			}
		}
		p.byAddr[e.addr] = e
		return false
	}
	p.eps = append(p.eps, e)
	p.byAddr[e.addr] = e
	p.emptySince = time.Time{}
	return true
}

func (p *pool) remove(addr string) bool {
	e := p.byAddr[addr]
	if e == nil {
		return false
	}
	delete(p.byAddr, addr)
	for i, x := range p.eps {
		if x == e {
			p.eps = append(p.eps[:i:i], p.eps[i+1:]...)
			break
		}
	}
	return true
}

// routeID makes a route id from a key: the key's letters and digits for
// the reader, and a hash, as keys differing in other characters must not
// share an id. The hash is collision-resistant (128 bits of SHA-256): the
// readable part is cut at 64 bytes and folds every run of other
// characters into one '_', so "my-app.apps.example.com" and
// "my--app.apps.example.com" share it, and a 32-bit hash would let a
// route found by search (or by chance, among the paths of one long host)
// take the id, and so the route, of another pool.
func routeID(key string) string {
	var b strings.Builder
	b.WriteString("nats_")
	for _, c := range key {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
		if b.Len() > 64 {
			break
		}
	}
	sum := sha256.Sum256([]byte(key))
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(sum[:16]))
	return b.String()
}
