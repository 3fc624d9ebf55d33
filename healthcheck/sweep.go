package healthcheck

import (
	"context"
	"time"
)

// InUse walks the routing table that serves requests now and calls mark
// on every endpoint it uses. The sweep calls it from its own goroutine; it
// must not hold locks that Registry.Endpoint callers wait for.
type InUse func(mark func(*Endpoint))

// maxSweepInterval caps the pause between sweeps: with the default
// ForgetAfter of a minute, an unused endpoint goes within 75 s.
const maxSweepInterval = 15 * time.Second

// sweepInterval is a quarter of forgetAfter, so that an endpoint is
// forgotten at most a quarter late, within [1ms, maxSweepInterval].
func sweepInterval(forgetAfter time.Duration) time.Duration {
	return min(max(forgetAfter/4, time.Millisecond), maxSweepInterval)
}

// sweepLoop sweeps every sweepInterval until ctx ends.
func (r *Registry) sweepLoop(ctx context.Context, inUse InUse) {
	every(ctx, sweepInterval(r.cfg.ForgetAfter), func() { r.sweep(inUse) })
}

// sweep marks the endpoints the current table uses as seen now, then
// forgets those not seen for longer than ForgetAfter: a routing table
// that no longer uses an endpoint lets it go, and if it comes back later
// it starts afresh (new detection time for fade-in, zero counters).
func (r *Registry) sweep(inUse InUse) {
	now := r.now().UnixNano()
	// Outside r.mu: inUse may reach code that calls Registry.Endpoint.
	inUse(func(e *Endpoint) {
		if e != nil {
			e.lastSeen.Store(now)
		}
	})
	cutoff := now - int64(r.cfg.ForgetAfter)
	r.mu.Lock()
	defer r.mu.Unlock()
	for addr, e := range r.m {
		if e.lastSeen.Load() < cutoff {
			delete(r.m, addr)
			r.forget(e)
		}
	}
}

// forget takes e out of the counters; from now on its state changes are
// not counted (a table still holding it may still report to it).
func (r *Registry) forget(e *Endpoint) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gone = true
	r.counts.leave(State(e.state.Load()))
}
