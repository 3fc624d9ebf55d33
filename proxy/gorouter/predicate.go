package gorouter

import (
	"net"
	"net/http"
	"strings"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/cfhttp"
	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// poolPredicateSpec resolves requests through the client's table.
type poolPredicateSpec struct {
	c *nats.Client
	// userAgent is the health check's User-Agent, "-" for none.
	userAgent string
	// index keys of the special routes, made once.
	health, badProtocol, emptyHost, badApp, badProcess string
}

func newPoolPredicateSpec(c *nats.Client) *poolPredicateSpec {
	return &poolPredicateSpec{c: c, userAgent: c.Options().HealthCheckUserAgent, health: IndexKey(nats.KeyHealth),
		badProtocol: IndexKey(nats.KeyBadProtocol), emptyHost: IndexKey(nats.KeyEmptyHost), badApp: IndexKey(nats.KeyBadAppInstance),
		badProcess: IndexKey(nats.KeyBadProcessInstance)}
}

func (*poolPredicateSpec) Name() string { return nats.PoolPredicateName }

func (s *poolPredicateSpec) Create(args []any) (routing.Predicate, error) {
	key, err := oneString(specargs.Predicate(nats.PoolPredicateName, args), "route key")
	if err != nil {
		return nil, err
	}
	return poolPredicate{s: s, indexKey: IndexKey(key)}, nil
}

// Resolve runs gorouter's checks in its order (spec §10): the health
// check User-Agent, the protocol version, an empty Host, malformed
// instance headers, then the pool lookup. ok is false when no pool serves the request, so that the
// table's other routes get their chance.
func (s *poolPredicateSpec) Resolve(r *http.Request) (string, bool) {
	if ua := s.userAgent; ua != "-" && r.Header.Get("User-Agent") == ua {
		return s.health, true
	}
	if !supportedProtocol(r) {
		return s.badProtocol, true
	}
	if emptyHost(r) {
		return s.emptyHost, true
	}
	if v := r.Header.Get(appInstanceHeader); v != "" {
		if _, _, ok := cfhttp.ParseAppInstance(v); !ok {
			return s.badApp, true
		}
	} else if v := r.Header.Get(processInstanceHeader); v != "" {
		if _, _, ok := cfhttp.ParseProcessInstance(v); !ok {
			return s.badProcess, true
		}
	}
	return s.c.Lookup(r.Host, r.URL.EscapedPath())
}

// emptyHost: gorouter refuses a request without Host, or whose Host is
// the client's own IP address, ports ignored (spec §10).
func emptyHost(r *http.Request) bool {
	if r.Host == "" {
		return true
	}
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	host := r.Host
	if strings.IndexByte(host, ':') >= 0 {
		// Checked first: SplitHostPort allocates its error for a Host
		// without port, the common case.
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	return host == client
}

type poolPredicate struct {
	s        *poolPredicateSpec
	indexKey string
}

func (p poolPredicate) IndexKey() string { return p.indexKey }

func (p poolPredicate) Match(r *http.Request) bool {
	k, ok := p.s.Resolve(r)
	return ok && k == p.indexKey
}
