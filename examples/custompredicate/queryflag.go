package main

import (
	"net/http"
	"strings"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// queryFlagSpec creates QueryFlag predicates. Create runs once per route
// when the route is built, so the arguments are checked there and not on
// every request; an error makes only that route invalid.
type queryFlagSpec struct{}

func (queryFlagSpec) Name() string { return "QueryFlag" }

func (s queryFlagSpec) Create(args []any) (routing.Predicate, error) {
	a := specargs.Predicate(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	name, err := a.NonEmptyString(0, "flag name")
	if err != nil {
		return nil, err
	}
	return queryFlag{name: name}, nil
}

// queryFlag matches when the query parameter name is on. One value serves
// every request of its route at once, so it holds nothing that Match
// changes.
type queryFlag struct{ name string }

func (f queryFlag) Match(r *http.Request) bool {
	values, ok := r.URL.Query()[f.name]
	if !ok {
		return false
	}
	// The first value counts, as with url.Values.Get; a bare ?debug has
	// the value "".
	switch strings.ToLower(values[0]) {
	case "", "1", "true", "yes", "on":
		return true
	}
	return false
}
