package routing

import "net/http"

// Predicate decides whether a request matches. One instance serves every
// request of its route concurrently; Match must be side-effect free.
type Predicate interface {
	Match(*http.Request) bool
}

// PredicateSpec creates predicates of one kind from a route's arguments
// (float64 or string values when parsed from eskip). A creation error makes
// the route invalid.
type PredicateSpec interface {
	Name() string
	Create(args []any) (Predicate, error)
}

// WeightedPredicateSpec is a PredicateSpec whose predicates add Weight() to
// the route's weight on top of the 1 every predicate counts (TrafficSegment
// declares -1 so that it counts 0).
type WeightedPredicateSpec interface {
	PredicateSpec
	Weight() int
}

// PredicateRegistry maps predicate names to specs. Built at startup, then
// read-only. A later registration of a name replaces the earlier one.
type PredicateRegistry map[string]PredicateSpec

// Register adds spec under its name, replacing any spec of that name.
func (r PredicateRegistry) Register(spec PredicateSpec) {
	r[spec.Name()] = spec
}
