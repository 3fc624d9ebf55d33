package main

import (
	"os"

	"github.com/skiff-proxy/skiff/config"
	"github.com/skiff-proxy/skiff/routing"
)

func main() { os.Exit(config.Main(extensions())) }

// extensions is everything this binary adds to a plain skiff: one
// predicate.
func extensions() config.Extensions {
	return config.Extensions{Predicates: []routing.PredicateSpec{queryFlagSpec{}}}
}
