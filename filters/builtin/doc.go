// Package builtin assembles every built-in filter of skiff, spread over the
// subject folders under filters/, into one filters.Registry. It is the only
// place that knows the full list, so a name registered by two folders is
// caught here, at assembly, instead of one silently replacing the other.
//
// Stateful filters (circuit breakers, rate limits, shadow traffic) keep their
// state in objects that outlive routing tables; the caller creates them,
// passes them in Options and closes them when done.
package builtin
