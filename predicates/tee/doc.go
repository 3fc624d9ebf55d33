// Package tee provides the Tee predicate: Tee("key") matches the copies
// that a teeLoopback("key") filter sends through the routing table, and no
// other request, so that a route can take the shadow traffic of one group.
package tee
