package nats

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/skiff-proxy/skiff/routing"
)

// PoolPredicateName is the keyed predicate of a pool's route:
// NATSPool("app.example.com/api") takes the requests gorouter's lookup
// gives that pool.
const PoolPredicateName = "NATSPool"

// Keys of the routes the client adds for the router's own answers, taken
// before any pool is looked up (spec §10's order of checks).
const (
	keyHealth             = "!health"
	keyEmptyHost          = "!empty_host"
	keyBadAppInstance     = "!invalid_app_instance"
	keyBadProcessInstance = "!invalid_process_instance"
)

// poolPredicateSpec resolves requests through the client's table.
type poolPredicateSpec struct {
	c *Client
	// index keys of the special routes, made once.
	health, emptyHost, badApp, badProcess string
}

func newPoolPredicateSpec(c *Client) *poolPredicateSpec {
	k := func(s string) string { return routing.KeyedIndexKey(PoolPredicateName, s) }
	return &poolPredicateSpec{c: c, health: k(keyHealth), emptyHost: k(keyEmptyHost),
		badApp: k(keyBadAppInstance), badProcess: k(keyBadProcessInstance)}
}

func (*poolPredicateSpec) Name() string { return PoolPredicateName }

func (s *poolPredicateSpec) Create(args []any) (routing.Predicate, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("want one string argument, the route key, got %d arguments", len(args))
	}
	key, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("want the route key as a string, got %T", args[0])
	}
	return poolPredicate{s: s, indexKey: routing.KeyedIndexKey(PoolPredicateName, key)}, nil
}

// Resolve runs gorouter's checks in its order (spec §10): the health
// check User-Agent, an empty Host, malformed instance headers, then the
// pool lookup. ok is false when no pool serves the request, so that the
// table's other routes get their chance.
func (s *poolPredicateSpec) Resolve(r *http.Request) (string, bool) {
	if ua := s.c.opts.HealthCheckUserAgent; ua != "-" && r.Header.Get("User-Agent") == ua {
		return s.health, true
	}
	if emptyHost(r) {
		return s.emptyHost, true
	}
	if v := r.Header.Get(AppInstanceHeader); v != "" {
		if _, _, ok := parseAppInstance(v); !ok {
			return s.badApp, true
		}
	} else if v := r.Header.Get(ProcessInstanceHeader); v != "" {
		if _, _, ok := parseProcessInstance(v); !ok {
			return s.badProcess, true
		}
	}
	p := s.c.table.lookup(r.Host, r.URL.EscapedPath())
	if p == nil {
		return "", false
	}
	return p.indexKey, true
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
