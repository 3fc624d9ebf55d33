package breaker

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker"
)

// Options configure a Registry.
type Options struct {
	// Global settings apply to every backend; a zero Type means none.
	Global Settings
	// Hosts are settings for single backend hosts (Settings.Host set).
	Hosts []Settings
	// OnStateChange, if set, is called when a breaker changes state. It runs
	// on the request path while the breaker is locked: keep it short.
	OnStateChange func(host string, from, to gobreaker.State)
}

// Registry holds the breakers of all routes, keyed by backend host and
// settings. Create it once and pass it to Specs; it outlives routing tables.
// A nil *Registry means breakers are disabled: the filters are accepted but
// do nothing.
type Registry struct {
	opts  Options
	hosts map[string]Settings

	mu       sync.RWMutex
	breakers map[key]*entry

	lastSweep atomic.Int64 // unix nanoseconds
	now       func() time.Time
}

type key struct {
	host string
	s    Settings
}

type entry struct {
	cb       *gobreaker.TwoStepCircuitBreaker
	win      *window // rate breakers only
	ttl      time.Duration
	lastUsed atomic.Int64
	evicted  atomic.Bool
}

// sweepInterval bounds how often idle breakers are looked for; sweeping is
// lazy (done by a request) so the registry needs no goroutine.
const sweepInterval = time.Minute

// NewRegistry returns a registry with the given global and host settings.
func NewRegistry(o Options) *Registry {
	r := &Registry{opts: o, hosts: make(map[string]Settings, len(o.Hosts)), breakers: map[key]*entry{}, now: time.Now}
	for _, h := range o.Hosts {
		r.hosts[h.Host] = h
	}
	r.lastSweep.Store(r.now().UnixNano())
	return r
}

// settingsFor merges route settings with the host's and the global ones.
func (r *Registry) settingsFor(host string, route Settings) Settings {
	s := route
	if h, ok := r.hosts[host]; ok {
		s = s.mergeFrom(h)
	}
	return s.mergeFrom(r.opts.Global).withDefaults()
}

// get returns the breaker for host and merged settings s, creating it.
func (r *Registry) get(host string, s Settings) *entry {
	now := r.now().UnixNano()
	k := key{host: host, s: s}
	r.mu.RLock()
	e := r.breakers[k]
	r.mu.RUnlock()
	if e == nil {
		r.mu.Lock()
		if e = r.breakers[k]; e == nil {
			e = r.newEntry(host, s)
			r.breakers[k] = e
		}
		r.mu.Unlock()
	}
	e.lastUsed.Store(now)
	if last := r.lastSweep.Load(); now-last > int64(sweepInterval) && r.lastSweep.CompareAndSwap(last, now) {
		r.sweep(now)
	}
	return e
}

func (r *Registry) newEntry(host string, s Settings) *entry {
	e := &entry{ttl: s.IdleTTL}
	st := gobreaker.Settings{
		Name:        host,
		MaxRequests: uint32(s.HalfOpenRequests),
		Timeout:     s.Timeout,
	}
	failures := s.Failures
	switch s.Type {
	case Rate:
		w := newWindow(s.Window)
		e.win = w
		st.ReadyToTrip = func(gobreaker.Counts) bool { return w.failureCount() >= failures }
	default:
		st.ReadyToTrip = func(c gobreaker.Counts) bool { return int(c.ConsecutiveFailures) >= failures }
	}
	cb := r.opts.OnStateChange
	st.OnStateChange = func(name string, from, to gobreaker.State) {
		if to == gobreaker.StateClosed && e.win != nil {
			e.win.reset()
		}
		if cb != nil {
			cb(name, from, to)
		}
	}
	e.cb = gobreaker.NewTwoStepCircuitBreaker(st)
	return e
}

// sweep drops breakers unused for longer than their idle TTL. Filters that
// still hold one notice the evicted flag and look their breaker up again.
func (r *Registry) sweep(now int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, e := range r.breakers {
		if now-e.lastUsed.Load() > int64(e.ttl) {
			e.evicted.Store(true)
			delete(r.breakers, k)
		}
	}
}

// Len returns the number of live breakers.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.breakers)
}

// State returns the state of the breaker for host and route settings, and
// false when no such breaker exists. It is meant for tests and diagnostics.
func (r *Registry) State(host string, route Settings) (gobreaker.State, bool) {
	s := r.settingsFor(host, route)
	r.mu.RLock()
	e := r.breakers[key{host: host, s: s}]
	r.mu.RUnlock()
	if e == nil {
		return gobreaker.StateClosed, false
	}
	return e.cb.State(), true
}
