// Package ratelimit provides the local (per instance) rate-limit filters
// clientRatelimit and ratelimit. Their counters live in a Registry created by
// the caller, which survives routing-table rebuilds and expires the entries
// of clients that went quiet.
package ratelimit
