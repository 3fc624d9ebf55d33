package gorouter

import (
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/routing"
)

// IndexKey is the keyed index's name of a pool's route: set it as the
// client's Options.IndexKey, so that the client's Lookup returns what the
// routing table files the route under.
func IndexKey(routeKey string) string {
	return routing.KeyedIndexKey(nats.PoolPredicateName, routeKey)
}

// Register adds the predicate and filters of c's routes to the registries.
func Register(c *nats.Client, reg filters.Registry, preds routing.PredicateRegistry) {
	preds.Register(newPoolPredicateSpec(c))
	reg.Register(&poolFilterSpec{c: c})
	reg.Register(&routerFilterSpec{c: c})
}
