package damping

import (
	"math"
	"sync"
	"time"
)

// Config holds the damping numbers. New gives a field that is zero or
// negative its DefaultConfig value, so Config{} is the default and a
// caller sets only what it changes.
type Config struct {
	Penalty       float64       // added per flip; 100
	HalfLife      time.Duration // of the penalty's decay; 30s
	SuppressAbove float64       // a flip taking the penalty above this suppresses; 200
	ReuseBelow    float64       // a suppressed endpoint is released below this; 20
	MaxSuppress   time.Duration // longest suppression before the held change is discarded; 90s
	ForgetBelow   float64       // an entry holding nothing is forgotten below this; 1

	// Now is the clock, for tests; nil is time.Now.
	Now func() time.Time
}

// DefaultConfig returns the numbers of issue 11, which are go-micro's.
func DefaultConfig() Config {
	return Config{
		Penalty:       100,
		HalfLife:      30 * time.Second,
		SuppressAbove: 200,
		ReuseBelow:    20,
		MaxSuppress:   90 * time.Second,
		ForgetBelow:   1,
	}
}

// Release is a held state that became applicable: the caller applies
// Registered to Key as if Observe had returned true for it.
type Release[K comparable] struct {
	Key        K
	Registered bool
}

// State is what the Damper knows of one endpoint, for /endpoints.
type State struct {
	// Penalty is decayed to the time State was called.
	Penalty float64
	// Suppressed: changes of the endpoint are held back. It stays true
	// until the Tick that releases or discards the held change.
	Suppressed bool
	// Since is when the suppression began; zero when not suppressed.
	Since time.Time
	// Held is the state waiting to be applied: nil when nothing waits,
	// which includes a suppressed endpoint that flipped back to the state
	// it has.
	Held *bool
}

// Counts are totals since New, for metrics.
type Counts struct {
	Flips        uint64 // observations that changed the observed state
	Suppressions uint64 // endpoints that became suppressed
	Releases     uint64 // suppressions ended by the penalty decaying below ReuseBelow
	Discards     uint64 // suppressions ended by MaxSuppress, their held change dropped
}

// Damper damps the registration flips of endpoints identified by K.
// Its methods are safe for concurrent use.
type Damper[K comparable] struct {
	c     Config
	now   func() time.Time
	epoch time.Time // times are kept as offsets from it, see entry

	mu      sync.Mutex
	entries map[K]entry
	peak    int // most entries since entries was made; see Tick
	counts  Counts
}

// entry is one endpoint that flipped recently. It holds no pointers
// (times are offsets from the Damper's epoch, not time.Time), so that the
// map is not scanned by the garbage collector; it is stored by value so
// that a new entry allocates nothing beyond the map's own growth.
type entry struct {
	penalty    float64       // as of at
	at         time.Duration // when penalty was last computed
	since      time.Duration // start of the suppression
	observed   bool          // last state passed to Observe
	applied    bool          // last state the caller was told to apply
	suppressed bool
}

// New returns a Damper using c, zero fields taking their defaults.
func New[K comparable](c Config) *Damper[K] {
	def := DefaultConfig()
	if c.Penalty <= 0 {
		c.Penalty = def.Penalty
	}
	if c.HalfLife <= 0 {
		c.HalfLife = def.HalfLife
	}
	if c.SuppressAbove <= 0 {
		c.SuppressAbove = def.SuppressAbove
	}
	if c.ReuseBelow <= 0 {
		c.ReuseBelow = def.ReuseBelow
	}
	if c.MaxSuppress <= 0 {
		c.MaxSuppress = def.MaxSuppress
	}
	if c.ForgetBelow <= 0 {
		c.ForgetBelow = def.ForgetBelow
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	return &Damper[K]{c: c, now: now, epoch: now(), entries: make(map[K]entry)}
}

// Config returns the configuration in use, defaults filled in.
func (d *Damper[K]) Config() Config { return d.c }

// clock is now as an offset from the epoch. With time.Now both carry a
// monotonic reading, so a wall clock step changes no penalty.
func (d *Damper[K]) clock() time.Duration { return d.now().Sub(d.epoch) }

// decayed is e's penalty at now.
func (d *Damper[K]) decayed(e *entry, now time.Duration) float64 {
	dt := now - e.at
	if dt <= 0 {
		return e.penalty
	}
	return e.penalty * math.Exp2(-float64(dt)/float64(d.c.HalfLife))
}

// outcome of a suppression at some time.
type outcome int

const (
	holding outcome = iota
	release
	discard
)

// due says how e's suppression stands at now. When both the release
// (penalty below ReuseBelow) and the discard (suppressed longer than
// MaxSuppress) have become due, the one that became due first wins, so a
// late Tick decides as a punctual one would; a tie goes to the release.
func (d *Damper[K]) due(e *entry, now time.Duration) outcome {
	if !e.suppressed {
		return holding
	}
	reusable := d.decayed(e, now) < d.c.ReuseBelow
	expired := now-e.since > d.c.MaxSuppress
	switch {
	case reusable && expired:
		// The penalty fell to ReuseBelow at at + HalfLife·log2(penalty/ReuseBelow).
		reuseAt := float64(e.at)
		if e.penalty > d.c.ReuseBelow {
			reuseAt += float64(d.c.HalfLife) * math.Log2(e.penalty/d.c.ReuseBelow)
		}
		if reuseAt <= float64(e.since+d.c.MaxSuppress) {
			return release
		}
		return discard
	case reusable:
		return release
	case expired:
		return discard
	}
	return holding
}

// Observe is called for every registration (registered=true) and
// unregistration (false) of key, in the order they arrived, and says
// whether the caller applies that state now. False means the state is
// held: the endpoint keeps the state last applied, and Tick may release
// the held state later.
//
// A state equal to the last one observed is no flip and costs nothing;
// for a key the Damper has no entry for (never seen, or steady long
// enough to be forgotten) registered is no flip and does not even create
// an entry, and unregistered is a flip from registered. A suppressed
// endpoint answers true to the state it already has (it changes nothing,
// and lets the caller refresh the endpoint's TTL) and false to the other.
func (d *Damper[K]) Observe(key K, registered bool) (apply bool) {
	if d == nil {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.entries[key]
	if !ok && registered {
		return true
	}
	if ok && registered == e.observed && !e.suppressed {
		return true // the refresh of an endpoint that flipped recently
	}
	now := d.clock()
	if ok && e.suppressed {
		switch d.due(&e, now) {
		case discard:
			d.counts.Discards++
			delete(d.entries, key)
			ok = false
			if registered {
				return true
			}
		case release:
			// This observation supersedes the held state Tick would
			// have released: it applies now, whichever it is.
			d.counts.Releases++
			e.suppressed = false
			e.applied = e.observed
			if registered == e.observed {
				d.entries[key] = e
				return true
			}
		}
	}
	if !ok {
		e = entry{at: now, observed: true, applied: true}
	}
	if registered == e.observed { // suppressed
		return registered == e.applied
	}
	d.counts.Flips++
	e.penalty = d.decayed(&e, now) + d.c.Penalty
	e.at = now
	e.observed = registered
	if !e.suppressed && e.penalty > d.c.SuppressAbove {
		e.suppressed = true
		e.since = now
		d.counts.Suppressions++
	}
	if !e.suppressed {
		e.applied = registered
	}
	d.entries[key] = e
	d.peak = max(d.peak, len(d.entries))
	return registered == e.applied
}

// Tick releases the held states that have become applicable, ends
// suppressions that lasted longer than MaxSuppress (dropping their held
// change) and forgets entries that hold nothing and whose penalty has
// decayed below ForgetBelow. It returns the releases, to be applied by
// the caller, nil when there are none; a release whose endpoint flipped
// back to its applied state is not returned, as there is nothing to
// apply. Its cost is proportional to the entries, that is to the
// endpoints that flipped in the last few minutes.
func (d *Damper[K]) Tick() []Release[K] {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clock()
	var out []Release[K]
	for k, e := range d.entries {
		switch d.due(&e, now) {
		case holding:
			if e.suppressed {
				continue
			}
		case discard:
			d.counts.Discards++
			delete(d.entries, k)
			continue
		case release:
			d.counts.Releases++
			if e.observed != e.applied {
				out = append(out, Release[K]{Key: k, Registered: e.observed})
			}
			e.suppressed = false
			e.applied = e.observed
			d.entries[k] = e
		}
		if d.decayed(&e, now) < d.c.ForgetBelow {
			delete(d.entries, k)
		}
	}
	// A Go map keeps its size after deletes, so a burst of flips (a
	// whole cell's instances restarting) would hold its memory for good:
	// the map is made again once it is far below its peak.
	if d.peak > shrinkAbove && len(d.entries) < d.peak/4 {
		m := make(map[K]entry, len(d.entries))
		for k, e := range d.entries {
			m[k] = e
		}
		d.entries, d.peak = m, len(m)
	}
	return out
}

// shrinkAbove is the peak below which Tick never makes the map again: a
// small map costs little, and making it again costs a Tick more.
const shrinkAbove = 1024

// State returns what the Damper knows of key, and false when it has no
// entry for it (a steady endpoint, or one forgotten).
func (d *Damper[K]) State(key K) (State, bool) {
	if d == nil {
		return State{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.entries[key]
	if !ok {
		return State{}, false
	}
	return d.state(&e, d.clock()), true
}

// Snapshot returns the State of every entry, for listing endpoints the
// caller may no longer have (one whose registration is held, say).
func (d *Damper[K]) Snapshot() map[K]State {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clock()
	m := make(map[K]State, len(d.entries))
	for k, e := range d.entries {
		m[k] = d.state(&e, now)
	}
	return m
}

func (d *Damper[K]) state(e *entry, now time.Duration) State {
	s := State{Penalty: d.decayed(e, now), Suppressed: e.suppressed}
	if e.suppressed {
		// Round(0) drops the monotonic reading, which means nothing to
		// a reader of /endpoints.
		s.Since = d.epoch.Add(e.since).Round(0)
		if e.observed != e.applied {
			held := e.observed
			s.Held = &held
		}
	}
	return s
}

// Len is the number of entries, the endpoints that flipped recently.
func (d *Damper[K]) Len() int {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.entries)
}

// Counts returns the totals since New.
func (d *Damper[K]) Counts() Counts {
	if d == nil {
		return Counts{}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.counts
}
