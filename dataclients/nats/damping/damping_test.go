package damping

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeClock is safe for concurrent use, for the concurrency test.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time          { return t0.Add(time.Duration(c.ns.Load())) }
func (c *fakeClock) set(at time.Duration)    { c.ns.Store(int64(at)) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func newTest(c Config) (*Damper[string], *fakeClock) {
	clk := &fakeClock{}
	c.Now = clk.Now
	return New[string](c), clk
}

type op int

const (
	opReg op = iota
	opUnreg
	opTick
)

// step is one call at a time after t0, with what it must return and,
// when want is set, the key's State afterwards.
type step struct {
	at       time.Duration
	op       op
	apply    bool   // Observe's result
	released []bool // Tick's releases for the key (all tests use one key)
	want     *want
}

type want struct {
	known      bool
	penalty    float64 // checked within 1e-9 when known
	suppressed bool
	since      time.Duration
	held       *bool
}

func reg(at time.Duration, apply bool) step   { return step{at: at, op: opReg, apply: apply} }
func unreg(at time.Duration, apply bool) step { return step{at: at, op: opUnreg, apply: apply} }
func tick(at time.Duration, released ...bool) step {
	return step{at: at, op: opTick, released: released}
}

func (s step) then(w want) step { s.want = &w; return s }

var (
	yes = func() *bool { b := true; return &b }()
	no  = func() *bool { b := false; return &b }()
	sec = time.Second
)

// decay is the penalty p after d, written independently of the code.
func decay(p float64, d time.Duration) float64 { return p * math.Pow(0.5, d.Seconds()/30) }

func runSteps(t *testing.T, d *Damper[string], clk *fakeClock, steps []step) {
	t.Helper()
	const key = "app.example.com|10.0.0.1:8080"
	for i, s := range steps {
		clk.set(s.at)
		switch s.op {
		case opReg, opUnreg:
			if got := d.Observe(key, s.op == opReg); got != s.apply {
				t.Fatalf("step %d (%v at %v): apply %v, want %v", i, s.op, s.at, got, s.apply)
			}
		case opTick:
			var got []bool
			for _, r := range d.Tick() {
				if r.Key != key {
					t.Fatalf("step %d: released unknown key %q", i, r.Key)
				}
				got = append(got, r.Registered)
			}
			if !slices.Equal(got, s.released) {
				t.Fatalf("step %d (tick at %v): released %v, want %v", i, s.at, got, s.released)
			}
		}
		if s.want == nil {
			continue
		}
		w := s.want
		st, known := d.State(key)
		if known != w.known {
			t.Fatalf("step %d at %v: known %v, want %v (state %+v)", i, s.at, known, w.known, st)
		}
		if !known {
			continue
		}
		if math.Abs(st.Penalty-w.penalty) > 1e-9 {
			t.Errorf("step %d at %v: penalty %.12f, want %.12f", i, s.at, st.Penalty, w.penalty)
		}
		if st.Suppressed != w.suppressed {
			t.Errorf("step %d at %v: suppressed %v, want %v", i, s.at, st.Suppressed, w.suppressed)
		}
		wantSince := time.Time{}
		if w.suppressed {
			wantSince = t0.Add(w.since)
		}
		if !st.Since.Equal(wantSince) {
			t.Errorf("step %d at %v: since %v, want %v", i, s.at, st.Since, wantSince)
		}
		if (st.Held == nil) != (w.held == nil) || st.Held != nil && *st.Held != *w.held {
			t.Errorf("step %d at %v: held %s, want %s", i, s.at, fmtHeld(st.Held), fmtHeld(w.held))
		}
	}
}

func fmtHeld(b *bool) string {
	if b == nil {
		return "nothing"
	}
	return fmt.Sprint(*b)
}

func (o op) String() string { return [...]string{"register", "unregister", "tick"}[o] }

func TestDamping(t *testing.T) {
	long := DefaultConfig()
	long.MaxSuppress = 10 * time.Minute // so that the penalty can decay below 20 first

	// 300 at 0 falls below 20 after 30·log2(15) s = 117.2 s.
	for _, tc := range []struct {
		name  string
		c     Config
		steps []step
	}{{
		name: "a steady endpoint never gets an entry",
		steps: []step{
			reg(0, true).then(want{}),
			reg(20*sec, true).then(want{}),
			tick(21 * sec).then(want{}),
			reg(40*sec, true).then(want{}),
		},
	}, {
		name: "one flip applies at once with penalty 100",
		steps: []step{
			reg(0, true),
			unreg(5*sec, true).then(want{known: true, penalty: 100}),
			tick(6 * sec).then(want{known: true, penalty: decay(100, sec)}),
		},
	}, {
		name: "the first unregistration of an unknown endpoint is a flip",
		steps: []step{
			unreg(0, true).then(want{known: true, penalty: 100}),
			unreg(sec, true).then(want{known: true, penalty: decay(100, sec)}),
		},
	}, {
		name: "a registration after an unregistration is a flip",
		steps: []step{
			unreg(0, true),
			reg(30*sec, true).then(want{known: true, penalty: 150}),
			reg(50*sec, true).then(want{known: true, penalty: decay(150, 20*sec)}),
		},
	}, {
		name: "exactly 200 is not above 200",
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true).then(want{known: true, penalty: 200}),
		},
	}, {
		name: "three quick flips suppress, the third is held",
		steps: []step{
			reg(0, true),
			unreg(sec, true),
			reg(2*sec, true).then(want{known: true, penalty: decay(100, sec) + 100}),
			unreg(3*sec, false).then(want{
				known: true, penalty: decay(decay(100, sec)+100, sec) + 100,
				suppressed: true, since: 3 * sec, held: no,
			}),
		},
	}, {
		name: "while suppressed, flips add penalty and the other state is held",
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true),
			unreg(0, false).then(want{known: true, penalty: 300, suppressed: true, held: no}),
			unreg(sec, false).then(want{known: true, penalty: decay(300, sec), suppressed: true, held: no}),
			// Back to the applied state: nothing is held, and applying it changes nothing.
			reg(2*sec, true).then(want{known: true, penalty: decay(300, 2*sec) + 100, suppressed: true}),
			reg(3*sec, true),
			unreg(4*sec, false).then(want{
				known: true, penalty: decay(decay(300, 2*sec)+100, 2*sec) + 100,
				suppressed: true, held: no,
			}),
		},
	}, {
		name: "a held registration keeps an unregistered endpoint out",
		steps: []step{
			unreg(0, true),
			reg(0, true),
			unreg(30*sec, true).then(want{known: true, penalty: 200}),
			reg(30*sec, false).then(want{known: true, penalty: 300, suppressed: true, since: 30 * sec, held: yes}),
			reg(50*sec, false),
			reg(70*sec, false),
			tick(71 * sec).then(want{known: true, penalty: decay(300, 41*sec), suppressed: true, since: 30 * sec, held: yes}),
		},
	}, {
		name: "Tick releases the latest held state once the penalty is below 20, exactly once",
		c:    long,
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true),
			unreg(0, false),
			reg(0, true),
			unreg(0, false).then(want{known: true, penalty: 500, suppressed: true, held: no}),
			// 500 falls below 20 after 30·log2(25) s = 139.3 s.
			tick(139 * sec).then(want{known: true, penalty: decay(500, 139*sec), suppressed: true, held: no}),
			tick(140*sec, false).then(want{known: true, penalty: decay(500, 140*sec)}),
			tick(141 * sec).then(want{known: true, penalty: decay(500, 141*sec)}),
			unreg(142*sec, true),
		},
	}, {
		name: "a suppressed endpoint back at its applied state has nothing to release",
		c:    long,
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true),
			unreg(0, false),
			reg(0, true).then(want{known: true, penalty: 400, suppressed: true}),
			// 400 falls below 20 after 129.7 s.
			tick(129 * sec).then(want{known: true, penalty: decay(400, 129*sec), suppressed: true}),
			tick(130 * sec).then(want{known: true, penalty: decay(400, 130*sec)}),
		},
	}, {
		name: "with the defaults, a suppressed endpoint is discarded after 90 s before it could be released",
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true),
			unreg(0, false).then(want{known: true, penalty: 300, suppressed: true, held: no}),
			tick(90 * sec).then(want{known: true, penalty: decay(300, 90*sec), suppressed: true, held: no}),
			tick(90*sec + time.Millisecond).then(want{}),
			tick(200 * sec).then(want{}),
			// It kept the applied state (registered); a registration is that of a new endpoint.
			reg(201*sec, true).then(want{}),
		},
	}, {
		name: "a late Tick discards when 90 s passed before the penalty fell below 20",
		c:    Config{MaxSuppress: 100 * time.Second},
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true),
			unreg(0, false),
			tick(200 * sec).then(want{}), // reusable at 117.2 s, expired at 100 s
		},
	}, {
		name: "a late Tick releases when the penalty fell below 20 within 120 s",
		c:    Config{MaxSuppress: 120 * time.Second},
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true),
			unreg(0, false),
			tick(200*sec, false).then(want{known: true, penalty: decay(300, 200*sec)}),
		},
	}, {
		name: "an observation after the release became due applies and replaces the release",
		c:    long,
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true),
			unreg(0, false),
			unreg(118*sec, true).then(want{known: true, penalty: decay(300, 118*sec)}),
			tick(119 * sec).then(want{known: true, penalty: decay(300, 119*sec)}),
		},
	}, {
		name: "a flip after the release became due applies at once",
		c:    long,
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true),
			unreg(0, false),
			reg(118*sec, true).then(want{known: true, penalty: decay(300, 118*sec) + 100}),
			tick(119 * sec),
		},
	}, {
		name: "an observation after the discard became due is that of an unknown endpoint",
		steps: []step{
			reg(0, true),
			unreg(0, true),
			reg(0, true),
			unreg(0, false),
			unreg(91*sec, true).then(want{known: true, penalty: 100}),
			tick(92 * sec).then(want{known: true, penalty: decay(100, sec)}),
		},
	}, {
		name: "a registration after the discard became due applies without an entry",
		steps: []step{
			unreg(0, true),
			reg(0, true),
			unreg(30*sec, true),
			reg(30*sec, false),
			reg(121*sec, true).then(want{}),
		},
	}, {
		name: "an entry holding nothing is forgotten once its penalty is below 1",
		steps: []step{
			unreg(0, true),
			// 100 falls below 1 after 30·log2(100) s = 199.3 s.
			tick(199 * sec).then(want{known: true, penalty: decay(100, 199*sec)}),
			tick(200 * sec).then(want{}),
			// Gone long enough: a registration is that of a new endpoint, no penalty.
			reg(201*sec, true).then(want{}),
		},
	}, {
		name: "penalties add up after decaying",
		steps: []step{
			unreg(0, true),
			reg(30*sec, true).then(want{known: true, penalty: 150}),
			unreg(60*sec, true).then(want{known: true, penalty: 175}),
			reg(90*sec, true).then(want{known: true, penalty: 187.5}),
			unreg(120*sec, true).then(want{known: true, penalty: 193.75}),
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			d, clk := newTest(tc.c)
			runSteps(t, d, clk, tc.steps)
		})
	}
}

func TestDecay(t *testing.T) {
	for _, tc := range []struct {
		after time.Duration
		want  float64
	}{
		{0, 100},
		{15 * sec, 100 / math.Sqrt2},
		{30 * sec, 50},
		{60 * sec, 25},
		{90 * sec, 12.5},
		{300 * sec, 100.0 / 1024},
	} {
		d, clk := newTest(Config{})
		d.Observe("k", false)
		clk.set(tc.after)
		st, ok := d.State("k")
		if !ok {
			t.Fatalf("after %v: no state", tc.after)
		}
		if math.Abs(st.Penalty-tc.want) > 1e-9 {
			t.Errorf("after %v: penalty %.12f, want %.12f", tc.after, st.Penalty, tc.want)
		}
	}
}

func TestHalfLifeIsConfigured(t *testing.T) {
	d, clk := newTest(Config{HalfLife: 10 * sec, Penalty: 40})
	d.Observe("k", false)
	clk.set(10 * sec)
	if st, _ := d.State("k"); math.Abs(st.Penalty-20) > 1e-9 {
		t.Fatalf("penalty %v after one 10 s half-life of 40, want 20", st.Penalty)
	}
}

func TestMemory(t *testing.T) {
	const n = 10_000
	for _, tc := range []struct {
		name      string
		observe   func(d *Damper[string], key string)
		afterObs  int
		tickAfter time.Duration
		afterTick int
	}{{
		name:     "registered once: nothing to damp, no entry",
		observe:  func(d *Damper[string], key string) { d.Observe(key, true) },
		afterObs: 0, tickAfter: 0, afterTick: 0,
	}, {
		name:     "unregistered once: entries until their penalty fades",
		observe:  func(d *Damper[string], key string) { d.Observe(key, false) },
		afterObs: n, tickAfter: 200 * sec, afterTick: 0,
	}, {
		name: "registered and unregistered: entries until their penalty fades",
		observe: func(d *Damper[string], key string) {
			d.Observe(key, true)
			d.Observe(key, false)
		},
		afterObs: n, tickAfter: 200 * sec, afterTick: 0,
	}, {
		name: "suppressed: entries until MaxSuppress",
		observe: func(d *Damper[string], key string) {
			for range 3 {
				d.Observe(key, false)
				d.Observe(key, true)
			}
		},
		afterObs: n, tickAfter: 91 * sec, afterTick: 0,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			d, clk := newTest(Config{})
			for i := range n {
				tc.observe(d, fmt.Sprintf("host-%d|10.0.%d.%d:8080", i/100, i/256, i%256))
			}
			if got := d.Len(); got != tc.afterObs {
				t.Fatalf("Len after observing %d keys: %d, want %d", n, got, tc.afterObs)
			}
			if tc.tickAfter > 0 {
				clk.set(tc.tickAfter / 2)
				d.Tick()
				if got := d.Len(); got != tc.afterObs {
					t.Fatalf("Len after a Tick at %v: %d, want %d", tc.tickAfter/2, got, tc.afterObs)
				}
			}
			clk.set(tc.tickAfter)
			if r := d.Tick(); len(r) != 0 {
				t.Fatalf("Tick released %d states, want none", len(r))
			}
			if got := d.Len(); got != tc.afterTick {
				t.Fatalf("Len after a Tick at %v: %d, want %d", tc.tickAfter, got, tc.afterTick)
			}
			// The emptied map was made again, not kept at its peak size.
			if d.peak != d.Len() {
				t.Fatalf("peak %d after the Tick, want %d: the map was not made again", d.peak, d.Len())
			}
		})
	}
}

func TestCounts(t *testing.T) {
	// ReuseBelow 100: a penalty of 300 falls below it after 47.5 s, well
	// within MaxSuppress.
	d, clk := newTest(Config{ReuseBelow: 100})
	suppress := func(key string) {
		for _, r := range []bool{true, false, true, false} {
			d.Observe(key, r)
		}
	}
	suppress("released by Tick")
	suppress("released by Observe")
	d.Observe("steady", true)
	clk.set(60 * sec)
	if !d.Observe("released by Observe", true) {
		t.Fatal("an observation after the release became due was held")
	}
	if r := d.Tick(); !slices.Equal(r, []Release[string]{{Key: "released by Tick", Registered: false}}) {
		t.Fatalf("Tick released %v", r)
	}
	suppress("discarded by Tick")
	suppress("discarded by Observe")
	// Flips every 20 s keep their penalties above 100 past MaxSuppress.
	for i, r := range []bool{true, false, true, false} {
		clk.set(time.Duration(80+20*i) * sec)
		d.Observe("discarded by Tick", r)
		d.Observe("discarded by Observe", r)
	}
	clk.set(151 * sec)
	if !d.Observe("discarded by Observe", false) {
		t.Fatal("an observation after the discard became due was held")
	}
	if r := d.Tick(); len(r) != 0 {
		t.Fatalf("Tick released %v", r)
	}
	if _, ok := d.State("discarded by Tick"); ok {
		t.Fatal("the suppression outlasting MaxSuppress was not discarded")
	}
	// The unregistration after the discard is the flip of an unknown endpoint.
	if st, _ := d.State("discarded by Observe"); st.Suppressed || st.Penalty != 100 {
		t.Fatalf("after the discard: %+v", st)
	}
	want := Counts{Flips: 22, Suppressions: 4, Releases: 2, Discards: 2}
	if got := d.Counts(); got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
}

func TestSnapshot(t *testing.T) {
	d, clk := newTest(Config{})
	d.Observe("steady", true)
	d.Observe("flipped", false)
	for _, r := range []bool{true, false, true, false} {
		d.Observe("suppressed", r)
	}
	clk.set(30 * sec)
	got := d.Snapshot()
	if len(got) != 2 {
		t.Fatalf("snapshot has %d entries, want 2: %v", len(got), got)
	}
	if s := got["flipped"]; s.Suppressed || math.Abs(s.Penalty-50) > 1e-9 || s.Held != nil {
		t.Errorf("flipped: %+v", s)
	}
	s := got["suppressed"]
	if !s.Suppressed || math.Abs(s.Penalty-150) > 1e-9 || s.Held == nil || *s.Held || !s.Since.Equal(t0) {
		t.Errorf("suppressed: %+v", s)
	}
	// The view is a copy.
	*s.Held = true
	if s2, _ := d.State("suppressed"); *s2.Held {
		t.Error("changing a State's Held changed the Damper")
	}
}

func TestNilDamperIsOff(t *testing.T) {
	var d *Damper[string]
	for range 10 {
		if !d.Observe("k", false) || !d.Observe("k", true) {
			t.Fatal("a nil Damper held a change")
		}
	}
	if r := d.Tick(); r != nil {
		t.Fatalf("Tick: %v", r)
	}
	if _, ok := d.State("k"); ok || d.Len() != 0 || d.Snapshot() != nil || d.Counts() != (Counts{}) {
		t.Fatal("a nil Damper has state")
	}
}

func TestNewFillsDefaults(t *testing.T) {
	def := DefaultConfig()
	for _, c := range []Config{{}, {Penalty: -1, HalfLife: -1, SuppressAbove: -1, ReuseBelow: -1, MaxSuppress: -1, ForgetBelow: -1}} {
		if got := numbers(New[int](c).Config()); got != numbers(def) {
			t.Errorf("New(%+v).Config() = %+v, want %+v", c, got, def)
		}
	}
	c := Config{Penalty: 1, HalfLife: 2, SuppressAbove: 3, ReuseBelow: 4, MaxSuppress: 5, ForgetBelow: 6}
	if got := numbers(New[int](c).Config()); got != numbers(c) {
		t.Errorf("New(%+v).Config() = %+v", c, got)
	}
}

// numbers is c without its clock, which cannot be compared.
func numbers(c Config) [6]float64 {
	return [6]float64{c.Penalty, float64(c.HalfLife), c.SuppressAbove, c.ReuseBelow, float64(c.MaxSuppress), c.ForgetBelow}
}

func TestRealClock(t *testing.T) {
	d := New[string](DefaultConfig())
	d.Observe("k", false)
	st, ok := d.State("k")
	if !ok || st.Penalty > 100 || st.Penalty < 99 {
		t.Fatalf("state %+v, %v", st, ok)
	}
}

// TestConcurrent runs Observe, Tick, State and Snapshot from several
// goroutines. The clock is frozen while they run, so each key's results
// do not depend on the interleaving and can be checked; then it moves
// while they run again, for the race detector, and everything must be
// forgotten in the end.
func TestConcurrent(t *testing.T) {
	const (
		workers = 8
		keys    = 200
	)
	d, clk := newTest(Config{})
	seq := []bool{true, false, true, false, true, false, false, true}
	want := []bool{true, true, true, false, true, false, false, true}

	run := func(moving bool) {
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var released atomic.Int64
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if moving {
					clk.advance(100 * time.Millisecond)
				}
				released.Add(int64(len(d.Tick())))
				d.Snapshot()
			}
		})
		var workersWG sync.WaitGroup
		for w := range workers {
			workersWG.Go(func() {
				for k := range keys {
					key := fmt.Sprintf("%d/%d", w, k)
					for i, r := range seq {
						if got := d.Observe(key, r); !moving && got != want[i] {
							t.Errorf("%s: observation %d (%v) applied %v, want %v", key, i, r, got, want[i])
							return
						}
						d.State(key)
					}
				}
			})
		}
		workersWG.Wait()
		close(stop)
		wg.Wait()
		if !moving && released.Load() != 0 {
			t.Errorf("Tick released %d states with the clock frozen", released.Load())
		}
	}

	run(false)
	if got := d.Len(); got != workers*keys {
		t.Fatalf("Len %d, want %d", got, workers*keys)
	}
	if got := d.Counts(); got.Suppressions != workers*keys {
		t.Fatalf("%d suppressions, want %d", got.Suppressions, workers*keys)
	}
	run(true)
	clk.advance(time.Hour)
	d.Tick()
	if got := d.Len(); got != 0 {
		t.Fatalf("Len %d an hour later, want 0", got)
	}
}
