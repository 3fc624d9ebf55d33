package dashboard

import (
	"sync"
	"time"
	"weak"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

// maxUpdates is how many routing updates the dashboard remembers;
// maxReceived bounds the updates received and not yet served that
// Updates keeps track of.
const (
	maxUpdates  = 50
	maxReceived = 4096
)

// Updates records the routing updates the dashboard lists. It is a
// routing.Observer: give it to routing.Options.Observer, and to
// Options.Updates. It passes every call on to the observer it wraps
// (metrics), so that routing needs only one.
//
// The updates of one data client that one table build took in are one
// entry: when they went live, from which client, how many, whether one
// was a full route set, the longest time one of them waited from routing
// receiving it to serving, and the table build (full or incremental, how
// long it took). The sizes of the table are filled in by the Dashboard,
// which knows the tables.
type Updates struct {
	inner routing.Observer

	mu    sync.Mutex
	ring  []updateView
	head  int
	count int
	// full remembers the updates received as full route sets until
	// they serve.
	full map[received]bool
	// build is the last table build, not yet taken by a served update.
	build     *tableBuild
	batchAt   time.Time // when the updates being served now went live
	batchTook *tableBuild
}

type received struct {
	client string
	at     time.Time
}

type tableBuild struct {
	incremental bool
	took        time.Duration
}

// NewUpdates returns an update log that passes every observation on to
// next (nil: none).
func NewUpdates(next routing.Observer) *Updates {
	return &Updates{inner: next, ring: make([]updateView, maxUpdates), full: map[received]bool{}}
}

var _ routing.Observer = (*Updates)(nil)

// UpdateReceived implements routing.Observer.
func (u *Updates) UpdateReceived(client string, full bool, at time.Time) {
	if u.inner != nil {
		u.inner.UpdateReceived(client, full, at)
	}
	if !full {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.full) >= maxReceived {
		clear(u.full) // updates routing never reported as served
	}
	u.full[received{client, at}] = true
}

// TableBuilt implements routing.Observer.
func (u *Updates) TableBuilt(incremental bool, took time.Duration) {
	if u.inner != nil {
		u.inner.TableBuilt(incremental, took)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.build = &tableBuild{incremental, took}
}

// UpdateServed implements routing.Observer. Routing reports the updates
// a build took in one after the other, with the same now.
func (u *Updates) UpdateServed(client string, at, now time.Time) {
	if u.inner != nil {
		u.inner.UpdateServed(client, at, now)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if !now.Equal(u.batchAt) {
		u.batchAt, u.batchTook, u.build = now, u.build, nil
	}
	key := received{client, at}
	full := u.full[key]
	delete(u.full, key)
	wait := now.Sub(at)
	if last := u.last(); last != nil && last.served.Equal(now) && last.Client == client {
		last.Updates++
		last.Full = last.Full || full
		last.LatencyMs = max(last.LatencyMs, ms(wait))
		return
	}
	v := updateView{
		Time: now.UTC(), Client: client, Full: full, Updates: 1, LatencyMs: ms(wait),
		Valid: -1, Invalid: -1, served: now,
	}
	if b := u.batchTook; b != nil {
		v.Build = "full"
		if b.incremental {
			v.Build = "incremental"
		}
		v.BuildMs = ms(b.took)
	}
	u.add(v)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// last returns the newest entry; u.mu is held.
func (u *Updates) last() *updateView {
	if u.count == 0 {
		return nil
	}
	return &u.ring[(u.head-1+len(u.ring))%len(u.ring)]
}

func (u *Updates) add(v updateView) {
	u.ring[u.head] = v
	u.head = (u.head + 1) % len(u.ring)
	u.count = min(u.count+1, len(u.ring))
}

// list returns the updates, newest first.
func (u *Updates) list() []updateView {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]updateView, 0, u.count)
	for i := 1; i <= u.count; i++ {
		out = append(out, u.ring[(u.head-i+len(u.ring))%len(u.ring)])
	}
	return out
}

// sized fills in the table sizes of the updates that t serves: those
// that went live after t was built (t is the table now live, so none came
// after it). An update whose table was replaced before anyone looked
// keeps unknown sizes.
func (u *Updates) sized(t *routing.Table) {
	created := t.Created()
	u.mu.Lock()
	var todo []*updateView
	for i := 1; i <= u.count; i++ {
		v := &u.ring[(u.head-i+len(u.ring))%len(u.ring)]
		if v.served.Before(created) {
			break
		}
		if v.Valid < 0 {
			todo = append(todo, v)
		}
	}
	u.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	valid, invalid := len(t.Routes()), len(t.Invalid()) // sorts once per table: not under u.mu
	u.mu.Lock()
	defer u.mu.Unlock()
	for i := 1; i <= u.count; i++ {
		v := &u.ring[(u.head-i+len(u.ring))%len(u.ring)]
		if v.served.Before(created) {
			break
		}
		if v.Valid < 0 {
			v.Valid, v.Invalid = valid, invalid
		}
	}
}

// updateView is an update in the API.
type updateView struct {
	Time   time.Time `json:"time"`
	Client string    `json:"client"`
	// Updates counts the data client's updates the entry stands for;
	// Full says one of them was a full route set.
	Updates int  `json:"updates"`
	Full    bool `json:"full"`
	// LatencyMs is the longest time one of them took from routing
	// receiving it to serving.
	LatencyMs float64 `json:"latency_ms"`
	// Build is "full" or "incremental" when a table was built for them,
	// "" when they changed nothing a table holds (an endpoint list
	// applied in place); BuildMs is how long the build took.
	Build   string  `json:"build,omitempty"`
	BuildMs float64 `json:"build_ms,omitempty"`
	// Valid and Invalid count the routes of the table serving them; -1
	// when not known.
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	// Observed marks a table the dashboard saw go live, when routing does
	// not report its updates (Options.Updates is nil): when it was built
	// and how many routes changed, but not from which client.
	Observed bool `json:"observed,omitempty"`
	// Changed counts the routes that differ from the table seen before
	// (ids added, removed or with another definition), for observed
	// tables; -1 for the first table seen.
	Changed int `json:"changed,omitempty"`

	served time.Time
}

// tableWatch notes the tables the sampler sees when routing does not
// report its updates.
type tableWatch struct {
	mu   sync.Mutex
	log  *Updates
	last weak.Pointer[routing.Table]
	defs map[string]*eskip.Route // the last table's definitions by id
}

// observe notes t when it is not the table seen last time. The routes
// that changed are counted by comparing definitions by id: routing keeps
// the definition of a route that did not change across tables.
func (w *tableWatch) observe(t *routing.Table) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last.Value() == t {
		return
	}
	first := w.defs == nil
	routes := t.Routes()
	defs := make(map[string]*eskip.Route, len(routes))
	changed := 0
	for _, r := range routes {
		defs[r.Id] = r.Def
		if p, ok := w.defs[r.Id]; !ok || p != r.Def {
			changed++
		}
	}
	for id := range w.defs {
		if _, ok := defs[id]; !ok {
			changed++
		}
	}
	if first {
		changed = -1
	}
	w.last, w.defs = weak.Make(t), defs
	if first && len(routes) == 0 && len(t.Invalid()) == 0 {
		return // the empty table before the first load
	}
	w.log.mu.Lock()
	defer w.log.mu.Unlock()
	w.log.add(updateView{
		Time: t.Created().UTC(), Valid: len(routes), Invalid: len(t.Invalid()),
		Observed: true, Changed: changed, served: t.Created(),
	})
}

// updateList returns the updates, newest first, with the sizes of the
// live table filled in.
func (d *Dashboard) updateList(t *routing.Table) []updateView {
	if d.watch == nil {
		d.updates.sized(t)
	}
	return d.updates.list()
}

func (d *Dashboard) updatesView() any {
	t := d.o.Tables.Acquire()
	defer t.Release()
	return struct {
		Hooked  bool         `json:"hooked"`
		Updates []updateView `json:"updates"`
	}{d.watch == nil, d.updateList(t)}
}
