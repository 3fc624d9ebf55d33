// Package damping is update flap damping for the NATS data client, the
// algorithm of go-micro's router (itself after BGP route flap damping,
// RFC 2439): an endpoint whose registration keeps flipping between
// registered and unregistered is held at the last state that was applied
// until it has calmed down, so that a crash-looping app instance does not
// rebuild its pool on every message.
//
// Every flip of an endpoint's registration state (registered ↔
// unregistered, relative to the last state observed for it) adds a penalty
// of 100. The penalty decays exponentially with a half-life of 30 s,
// penalty(t) = p0 · 2^(−Δt/30s), computed when it is looked at, so there is
// no timer per endpoint. A flip that takes the penalty above 200 suppresses
// the endpoint: that flip and every later one are held back (Observe
// returns false) and the endpoint keeps the last state applied. (A flip
// back to that state returns true, as applying it changes nothing and
// lets the caller refresh the endpoint's TTL; it still adds its penalty.) Once the
// penalty has decayed below 20, Tick releases the latest held state and
// the endpoint is no longer suppressed. An endpoint suppressed for more
// than 90 s has its held change discarded and its entry forgotten: it keeps
// the last applied state, and its next message is treated as the first one
// of an endpoint never seen. Re-registrations that change nothing add no
// penalty, and a change to an endpoint that is not suppressed applies at
// once; Tick only releases held states and forgets entries.
//
// With these numbers the 90 s limit always comes first: a penalty above
// 200 needs log2(200/20) half-lives, 99.7 s, to fall below 20. So with the
// defaults a held change is never released but discarded after 90 s, and
// it is the protocol's periodic re-registration (about every 20 s) that
// brings a stable endpoint back: a registration of a forgotten endpoint
// applies at once. A held unregistration is dropped with the entry: the
// endpoint stays registered, and if it has really gone no re-registration
// refreshes it and its TTL prunes it. The release path matters for a
// Config whose MaxSuppress is longer. Release and discard are decided by when each would have
// happened, not by when Tick runs, so the outcome does not depend on the
// tick interval.
//
// Memory is bounded by the endpoints that flipped recently: an endpoint
// that was only ever registered has no entry at all (a re-registration
// costs one map lookup under a mutex and no allocation), and Tick forgets
// an entry that holds nothing once its penalty has decayed below
// ForgetBelow (1 by default, about 200 s after a single flip). Because a
// steady endpoint has no entry, an endpoint the Damper does not know is
// taken to be registered: its first unregistration is a flip (penalty 100,
// applied at once) and its first registration is not.
//
// The Damper starts no goroutines; its owner calls Tick from its own timer
// (every second, say), and must apply the releases Tick returns in the same
// order relative to Observe's results as the calls were made, for example
// by calling both from one goroutine or under one lock. A nil *Damper is
// damping switched off: every observation applies at once.
package damping
