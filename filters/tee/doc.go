// Package tee provides the shadow-traffic filters: tee and teenf send a
// copy of a request to a shadow backend, teeLoopback sends it through the
// routing table again (for the Tee predicate of predicates/tee), and
// teeResponse posts a copy of the response body to a collector. Every copy
// is made by a Shadow value owned by the caller: it bounds their number,
// their duration and the body bytes buffered for them, and Close stops
// them all.
package tee
