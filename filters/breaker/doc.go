// Package breaker provides circuit-breaker filters (consecutiveBreaker,
// rateBreaker, disableBreaker) built on github.com/sony/gobreaker.
//
// The filters are self-contained: a breaker filter checks the breaker of the
// route's backend in its request phase, answers 503 with X-Circuit-Open when
// it is open, and reports the outcome in its response phase (it also sees the
// proxy's own error responses). The breakers live in a Registry created by
// the caller, so they keep their state across routing-table rebuilds.
package breaker
