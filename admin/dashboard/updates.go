package dashboard

import (
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

// maxUpdates is how many routing updates the dashboard remembers.
const maxUpdates = 50

// Update is one routing update as the dashboard lists it.
type Update struct {
	// Time is when the table with the update went live.
	Time time.Time
	// Client is the data client that sent it; "" when not known.
	Client string
	// Full says the update was a full route set rather than a change.
	Full bool
	// Routes counts the routes the update carried: the full set's size,
	// or the upserted and deleted ids of a change; -1 when not known.
	Routes int
	// Latency is the time from routing receiving the update to the
	// table with it serving; 0 when not known.
	Latency time.Duration
	// Valid and Invalid count the routes of the table that went live.
	Valid, Invalid int
}

// RecordUpdate adds a routing update to the list the dashboard shows.
// From its first call on, the dashboard stops noting tables by itself:
// whoever calls it (a routing hook) reports every update. It may be
// called from any goroutine.
func (d *Dashboard) RecordUpdate(u Update) {
	d.updates.isHooked.Store(true)
	d.updates.add(updateView{
		Time: u.Time.UTC(), Client: u.Client, Full: u.Full, Routes: u.Routes,
		LatencyMs: float64(u.Latency.Microseconds()) / 1000, Valid: u.Valid, Invalid: u.Invalid,
	})
}

// updateView is an update in the API.
type updateView struct {
	Time      time.Time `json:"time"`
	Client    string    `json:"client"`
	Full      bool      `json:"full"`
	Routes    int       `json:"routes"`
	LatencyMs float64   `json:"latency_ms"`
	Valid     int       `json:"valid"`
	Invalid   int       `json:"invalid"`
	// Observed marks a table the sampler saw go live, when no hook
	// reports updates: when, and how many routes, but not from where.
	Observed bool `json:"observed,omitempty"`
	// Changed counts the routes that differ from the table seen before
	// (ids added, removed or with another definition), for observed
	// tables; -1 for the first one seen.
	Changed int `json:"changed,omitempty"`
}

// updateLog is a ring of the last updates.
type updateLog struct {
	isHooked atomic.Bool

	mu    sync.Mutex
	ring  []updateView
	next  int
	count int

	// The last table observed, not kept alive, and its routes by id.
	last     weak.Pointer[routing.Table]
	lastDefs map[string]*eskip.Route
}

func newUpdateLog(n int) *updateLog { return &updateLog{ring: make([]updateView, n)} }

func (l *updateLog) hooked() bool { return l.isHooked.Load() }

func (l *updateLog) add(u updateView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.next] = u
	l.next = (l.next + 1) % len(l.ring)
	l.count = min(l.count+1, len(l.ring))
}

// list returns the updates, newest first.
func (l *updateLog) list() []updateView {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]updateView, 0, l.count)
	for i := 1; i <= l.count; i++ {
		out = append(out, l.ring[(l.next-i+len(l.ring))%len(l.ring)])
	}
	return out
}

// observe notes t when it is not the table seen last time. The routes
// that changed are counted by comparing definitions by id: routing keeps
// the definition of a route that did not change across tables.
func (l *updateLog) observe(t *routing.Table) {
	l.mu.Lock()
	if l.last.Value() == t {
		l.mu.Unlock()
		return
	}
	first := l.lastDefs == nil
	prev := l.lastDefs
	l.mu.Unlock()

	routes := t.Routes()
	defs := make(map[string]*eskip.Route, len(routes))
	changed := 0
	for _, r := range routes {
		defs[r.Id] = r.Def
		if p, ok := prev[r.Id]; !ok || p != r.Def {
			changed++
		}
	}
	for id := range prev {
		if _, ok := defs[id]; !ok {
			changed++
		}
	}
	if first {
		changed = -1
	}
	l.mu.Lock()
	l.last, l.lastDefs = weak.Make(t), defs
	l.mu.Unlock()
	if t.Created().IsZero() || (len(routes) == 0 && len(t.Invalid()) == 0 && first) {
		return // the empty table before the first load
	}
	l.add(updateView{
		Time: t.Created().UTC(), Routes: -1, Valid: len(routes), Invalid: len(t.Invalid()),
		Observed: true, Changed: changed,
	})
}

func (d *Dashboard) updatesView() any {
	return struct {
		Hooked  bool         `json:"hooked"`
		Updates []updateView `json:"updates"`
	}{d.updates.hooked(), d.updates.list()}
}
