package routing

import (
	"net/http"
	"strings"
)

// KeyedPredicateSpec is a predicate spec whose routes are found by key,
// not by the path tree: Resolve names the one route a request takes, with
// whatever precedence the routes' owner defines. A data client whose
// routes follow another router's matching rules (gorouter's host-first,
// longest-path-segment lookup for NATS pools) registers one, so that its
// routes are still routes of the table (default filters, /routes, explain
// and the access log see them) while its own index decides between them.
//
// A table consults the keyed specs its routes use before the path tree;
// when Resolve reports ok=false, or names a key no route of the table
// has, or the keyed route's other conditions fail, the path tree decides.
type KeyedPredicateSpec interface {
	PredicateSpec
	// Resolve returns the index key of the route r takes, as the
	// route's KeyedPredicate reports it. It runs on the request path for
	// every request while the table has keyed routes, so it must be cheap
	// and must not allocate in the common case.
	Resolve(r *http.Request) (indexKey string, ok bool)
}

// KeyedPredicate is a predicate created by a KeyedPredicateSpec. Its
// IndexKey files the route; Match must agree with the spec's Resolve, as
// it is used where the index is not (explanations, and tables built
// without host index).
type KeyedPredicate interface {
	Predicate
	IndexKey() string
}

// keyedPrefix starts every index key in the root leaf's host index: a
// Host header cannot contain a NUL byte, so a keyed route is never found
// by a request's Host, only through its spec's Resolve.
const keyedPrefix = "\x00"

// KeyedIndexKey is the index key for key under the spec named name: what
// a KeyedPredicate's IndexKey and its spec's Resolve return. Specs compute
// it once per route, not per request.
func KeyedIndexKey(name, key string) string {
	return keyedPrefix + name + keyedPrefix + key
}

func isKeyedIndexKey(h string) bool { return strings.HasPrefix(h, keyedPrefix) }

// keyed reports whether m files a keyed route: such a route is indexed
// even in tables built without host index, as the index is its only way
// in.
func (m *matcher) keyed() bool { return len(m.hostKeys) == 1 && isKeyedIndexKey(m.hostKeys[0]) }

// findKeyedSpecs sets the keyed specs of the registry that routes of t use.
func (t *Table) findKeyedSpecs(reg PredicateRegistry) {
	t.keyed = t.keyed[:0]
	for name, n := range t.predicateUse {
		if n <= 0 {
			continue
		}
		if ks, ok := reg[name].(KeyedPredicateSpec); ok {
			t.keyed = append(t.keyed, ks)
		}
	}
}

// matchKeyed returns the keyed route r takes, or nil.
func (t *Table) matchKeyed(s *search) *Route {
	for _, ks := range t.keyed {
		k, ok := ks.Resolve(s.r)
		if !ok {
			continue
		}
		for e := t.root.hosts.get(k); e != nil; e = e.next {
			if e.m.matches(s.r, s.cleaned, e.route.Predicates) {
				if s.trace != nil {
					s.trace.keyed(e)
				}
				return e.route
			}
		}
	}
	return nil
}
