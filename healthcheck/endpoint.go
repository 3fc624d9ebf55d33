package healthcheck

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Endpoint is the shared state of one backend endpoint, identified by its
// host:port. Every route and table generation that uses the endpoint holds
// the same object, so its age, in-flight count, counters and health
// survive table rebuilds and changes of the routes around it.
//
// The request path only touches atomics here; the mutex guards the reason
// text of a state change, which nothing on the request path reads.
type Endpoint struct {
	reg    *Registry
	addr   string // host:port
	scheme string // scheme it was first seen with; active probes use it

	detected atomic.Int64 // unix nanoseconds; fade-in measures age from here
	lastSeen atomic.Int64 // unix nanoseconds of the last sweep that found it in use

	inflight atomic.Int64
	requests atomic.Uint64 // attempts ended, since the endpoint was created
	failures atomic.Uint64 // of those, transport failures

	// Passive health: two slots of counters, the current one chosen by
	// slot; the statistics loop turns the previous period into a drop
	// probability and switches slots (passive.go).
	slot     atomic.Uint32
	phcReqs  [2]atomic.Int64
	phcFails [2]atomic.Int64
	drop     atomic.Uint64 // float64 bits

	state atomic.Uint32 // State
	since atomic.Int64  // unix nanoseconds of the last state change

	mu     sync.Mutex
	reason string
	// gone is set when the sweep forgets the endpoint; the registry's
	// counters then no longer follow its state (guarded by mu, so that a
	// change and the forgetting are counted in one order).
	gone bool
}

func newEndpoint(reg *Registry, scheme, addr string, now time.Time) *Endpoint {
	e := &Endpoint{reg: reg, addr: addr, scheme: scheme}
	e.detected.Store(now.UnixNano())
	e.lastSeen.Store(now.UnixNano())
	e.since.Store(now.UnixNano())
	return e
}

// Address is the endpoint's host:port.
func (e *Endpoint) Address() string { return e.addr }

// Scheme is the scheme the endpoint was first used with.
func (e *Endpoint) Scheme() string { return e.scheme }

// Detected is when the endpoint first appeared in a routing table, or the
// later creation time an endpointCreated filter declared.
func (e *Endpoint) Detected() time.Time { return time.Unix(0, e.detected.Load()) }

// DetectedNano is Detected in unix nanoseconds, for the request path.
func (e *Endpoint) DetectedNano() int64 { return e.detected.Load() }

// SetDetected moves the detection time to t if t is later: the endpoint
// was re-created and fades in again. Times in the future are ignored (an
// unknown creation time); it reports whether the time moved.
func (e *Endpoint) SetDetected(t time.Time) bool {
	n := t.UnixNano()
	if t.After(e.reg.now()) {
		return false
	}
	for {
		old := e.detected.Load()
		if n <= old {
			return false
		}
		if e.detected.CompareAndSwap(old, n) {
			return true
		}
	}
}

// InFlight is the number of attempts started and not yet ended.
func (e *Endpoint) InFlight() int64 { return e.inflight.Load() }

// Begin records the start of an attempt. Every Begin is followed by
// exactly one End.
func (e *Endpoint) Begin() { e.inflight.Add(1) }

// End records the end of an attempt begun with Begin. A failed dial marks
// the endpoint dead at once; a successful answer from an endpoint marked
// dead revives it (lame duck is left to the active probe that set it).
func (e *Endpoint) End(o Outcome) {
	e.inflight.Add(-1)
	if o.Failure == Canceled {
		return // the client left; nothing was learnt about the endpoint
	}
	e.requests.Add(1)
	s := e.slot.Load() & 1
	e.phcReqs[s].Add(1)
	if o.Failure == NoFailure {
		if State(e.state.Load()) == Dead {
			e.setState(Dead, Healthy, "answered a request")
		}
		return
	}
	e.failures.Add(1)
	e.phcFails[s].Add(1)
	if o.Failure == DialFailed {
		e.MarkDead("connection failed")
	}
}

// State is the endpoint's recorded health state. It does not apply the
// expiry of dead marks; Usable does.
func (e *Endpoint) State() State { return State(e.state.Load()) }

// Usable reports whether the endpoint may get new requests at now: it is
// healthy, or its dead mark has expired (without active checks a dead mark
// lasts the registry's DeadTTL; with them, the probe revives it).
func (e *Endpoint) Usable(now time.Time) bool {
	switch State(e.state.Load()) {
	case Healthy:
		return true
	case Dead:
		ttl := e.reg.cfg.DeadTTL
		if e.reg.cfg.Active.Interval > 0 || ttl <= 0 {
			return false
		}
		if now.UnixNano()-e.since.Load() < int64(ttl) {
			return false
		}
		e.setState(Dead, Healthy, "dead mark expired")
		return true
	}
	return false
}

// MarkDead records that the endpoint refuses connections.
func (e *Endpoint) MarkDead(reason string) { e.SetState(Dead, reason) }

// SetState records a state and why; the time of the change is kept only
// when the state actually changes (a second dead mark does not prolong
// the first).
func (e *Endpoint) SetState(s State, reason string) {
	e.mu.Lock()
	old := State(e.state.Load())
	if old != s {
		e.state.Store(uint32(s))
		e.since.Store(e.reg.now().UnixNano())
		e.reason = reason
		e.counted(old, s)
	}
	e.mu.Unlock()
	if old != s {
		e.reg.transition(e, old, s, reason)
	}
}

// setState changes from to to, unless another change came first.
func (e *Endpoint) setState(from, to State, reason string) {
	e.mu.Lock()
	changed := State(e.state.Load()) == from
	if changed {
		e.state.Store(uint32(to))
		e.since.Store(e.reg.now().UnixNano())
		e.reason = reason
		e.counted(from, to)
	}
	e.mu.Unlock()
	if changed {
		e.reg.transition(e, from, to, reason)
	}
}

// counted tells the registry's counters of a change; e.mu is held.
func (e *Endpoint) counted(from, to State) {
	if !e.gone {
		e.reg.counts.change(from, to)
	}
}

// Status is the endpoint's state with the time and reason of the last
// change.
func (e *Endpoint) Status() (s State, since time.Time, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return State(e.state.Load()), time.Unix(0, e.since.Load()), e.reason
}

// DropProbability is the passive health check's current probability of
// leaving the endpoint out of a request's candidates (0 when off).
func (e *Endpoint) DropProbability() float64 {
	return math.Float64frombits(e.drop.Load())
}

// Requests and Failures count the attempts ended on the endpoint, and the
// transport failures among them, since it was created.
func (e *Endpoint) Requests() uint64 { return e.requests.Load() }
func (e *Endpoint) Failures() uint64 { return e.failures.Load() }
