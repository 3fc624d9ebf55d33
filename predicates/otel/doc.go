// Package otel has the OTelBaggage predicate: the request carries a W3C
// baggage member with the given key, as skipper's predicate sees the
// baggage its tracing propagated.
package otel
