// Package predicates assembles the built-in request predicates that are not
// part of the routing matcher itself (Cookie, QueryParam, Traffic, Source,
// time windows, ...). Each kind lives in a subpackage; Specs returns them all
// for registration in a routing.PredicateRegistry.
package predicates
