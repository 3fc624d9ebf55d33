package scheduler

import (
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

// Options configure a Registry.
type Options struct {
	// Log receives the warning about routes of one lifoGroup that give
	// different settings. Default: discarded.
	Log filters.Logger
}

// Registry holds the state of the package's filters across routing-table
// rebuilds: a queue per route (fifo, lifo) and per group (lifoGroup), the
// admissionControl windows and the backendRatelimit counters. Create one
// per proxy, pass it to Specs, and Close it once no table uses the filters
// any more. It starts no goroutine.
type Registry struct {
	log   filters.Logger
	clock func() time.Time
	base  time.Time
	rand  func() float64

	mu         sync.Mutex
	seq        uint64
	queues     map[queueKey]*queue
	orphans    map[*queue]struct{} // queues without filters
	admissions map[*admissionFilter]struct{}
	limiters   map[limiterKey]*limiter
	closed     bool
}

// orphanGrace is how long a queue no filter uses is kept (idle), so that
// a route that is replaced finds its queue and counters again.
const orphanGrace = time.Minute

type kind uint8

const (
	kindFifo kind = iota
	kindLifo
	kindGroup
)

func (k kind) String() string {
	switch k {
	case kindFifo:
		return "fifo"
	case kindLifo:
		return "lifo"
	}
	return "lifoGroup"
}

// queueKey names a queue: a route id for fifo and lifo (one queue of each
// kind per route, as in skipper), a group name for lifoGroup.
type queueKey struct {
	kind kind
	name string
}

// NewRegistry returns an empty registry.
func NewRegistry(o Options) *Registry {
	if o.Log == nil {
		o.Log = discardLog{}
	}
	return &Registry{
		log:        o.Log,
		clock:      time.Now,
		base:       time.Now(),
		rand:       rand.Float64,
		queues:     map[queueKey]*queue{},
		orphans:    map[*queue]struct{}{},
		admissions: map[*admissionFilter]struct{}{},
		limiters:   map[limiterKey]*limiter{},
	}
}

// Close turns away the requests waiting in any queue (503) and every
// request that would wait later. The other filters go on working. A nil
// registry has nothing to close.
func (r *Registry) Close() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	r.closed = true
	qs := make([]*queue, 0, len(r.queues))
	for _, q := range r.queues {
		qs = append(qs, q)
	}
	r.mu.Unlock()
	for _, q := range qs {
		q.close()
	}
	return nil
}

// nextSeq numbers filters in the order they are created.
func (r *Registry) nextSeq() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	return r.seq
}

// since is the registry's monotonic clock.
func (r *Registry) since() time.Duration { return r.clock().Sub(r.base) }

// queueLocked returns the queue of key, made with s if it is new.
func (r *Registry) queueLocked(key queueKey, s settings, seq uint64) *queue {
	q := r.queues[key]
	if q == nil {
		q = newQueue(key, s)
		q.setSeq = seq
		if r.closed {
			q.closed = true
		}
		r.queues[key] = q
	}
	q.refs++
	delete(r.orphans, q)
	return q
}

// unrefLocked drops a filter's reference to q.
func (r *Registry) unrefLocked(q *queue) {
	q.refs--
	if q.refs == 0 {
		q.orphaned = r.clock()
		r.orphans[q] = struct{}{}
	}
}

// sweepLocked forgets the idle queues that no filter used for orphanGrace.
func (r *Registry) sweepLocked() {
	if len(r.orphans) == 0 {
		return
	}
	now := r.clock()
	for q := range r.orphans {
		if now.Sub(q.orphaned) >= orphanGrace && q.idle() {
			delete(r.orphans, q)
			if r.queues[q.key] == q {
				delete(r.queues, q.key)
			}
		}
	}
}

// bindRoute returns the route queue of kind k for route, with a reference
// for the filter, and applies s when the filter (seq) is the newest to
// use it.
func (r *Registry) bindRoute(k kind, route string, s settings, seq uint64) *queue {
	r.mu.Lock()
	r.sweepLocked()
	q := r.queueLocked(queueKey{k, route}, s, seq)
	r.mu.Unlock()
	q.configureIfNewer(s, seq)
	return q
}

// release drops references taken by bindRoute or joinGroup.
func (r *Registry) release(qs ...*queue) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, q := range qs {
		r.unrefLocked(q)
	}
	r.sweepLocked()
}

// Snapshot is the state of the package's filters at one moment: what the
// support listener's /queues shows.
type Snapshot struct {
	Queues            []QueueStats     `json:"queues"`
	AdmissionControl  []AdmissionStats `json:"admission_control"`
	BackendRatelimits []RatelimitStats `json:"backend_ratelimits"`
}

// QueueStats is one queue.
type QueueStats struct {
	// Kind is "fifo" or "lifo" for a route's queue (Name is the route id,
	// the WithBody variants share it) or "lifoGroup" for a group's (Name is
	// the group).
	Kind           string `json:"kind"`
	Name           string `json:"name"`
	MaxConcurrency int    `json:"max_concurrency"`
	// MaxQueueSize is -1 when the queue has no limit (lifo with 0).
	MaxQueueSize int    `json:"max_queue_size"`
	Timeout      string `json:"timeout"`
	// Active requests hold a slot; Queued ones wait for one.
	Active int `json:"active"`
	Queued int `json:"queued"`
	// Counters since the queue was made: requests given a slot, turned
	// away because the queue was full (503), because they waited longer
	// than the timeout (502), and clients that left while waiting.
	Admitted        uint64 `json:"admitted"`
	RejectedFull    uint64 `json:"rejected_full"`
	RejectedTimeout uint64 `json:"rejected_timeout"`
	Left            uint64 `json:"left"`
	// SettingsConflict says that routes of the group give different
	// settings (the earliest route's apply).
	SettingsConflict bool `json:"settings_conflict,omitempty"`
}

// Snapshot returns the current state, sorted: queues by kind and name,
// admission controls by route and metric suffix, rate limits by group. A
// nil registry has nothing to show.
func (r *Registry) Snapshot() Snapshot {
	s := Snapshot{Queues: []QueueStats{}, AdmissionControl: []AdmissionStats{}, BackendRatelimits: []RatelimitStats{}}
	if r == nil {
		return s
	}
	r.mu.Lock()
	r.sweepLocked()
	qs := make([]*queue, 0, len(r.queues))
	for _, q := range r.queues {
		qs = append(qs, q)
	}
	conflict := map[*queue]bool{}
	for _, q := range qs {
		if q.grp != nil {
			conflict[q] = q.grp.conflict
		}
	}
	acs := make([]*admissionFilter, 0, len(r.admissions))
	for a := range r.admissions {
		acs = append(acs, a)
	}
	ls := make([]*limiter, 0, len(r.limiters))
	for _, l := range r.limiters {
		ls = append(ls, l)
	}
	r.mu.Unlock()

	for _, q := range qs {
		st := q.stats()
		st.SettingsConflict = conflict[q]
		s.Queues = append(s.Queues, st)
	}
	sort.Slice(s.Queues, func(i, j int) bool {
		a, b := s.Queues[i], s.Queues[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
	now := r.since()
	for _, a := range acs {
		s.AdmissionControl = append(s.AdmissionControl, a.stats(now))
	}
	sort.Slice(s.AdmissionControl, func(i, j int) bool {
		a, b := s.AdmissionControl[i], s.AdmissionControl[j]
		if a.Route != b.Route {
			return a.Route < b.Route
		}
		return a.MetricSuffix < b.MetricSuffix
	})
	for _, l := range ls {
		s.BackendRatelimits = append(s.BackendRatelimits, l.stats(now))
	}
	sort.Slice(s.BackendRatelimits, func(i, j int) bool {
		a, b := s.BackendRatelimits[i], s.BackendRatelimits[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.MaxHits != b.MaxHits {
			return a.MaxHits < b.MaxHits
		}
		return a.TimeWindow < b.TimeWindow
	})
	return s
}

type discardLog struct{}

func (discardLog) Debugf(string, ...any) {}
func (discardLog) Infof(string, ...any)  {}
func (discardLog) Warnf(string, ...any)  {}
func (discardLog) Errorf(string, ...any) {}
