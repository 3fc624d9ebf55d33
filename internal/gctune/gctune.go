package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// maxPercent bounds the GC percentage set for a nearly empty heap.
const maxPercent = 10_000

// Percent is the GC percentage that lets a heap of live bytes grow by at
// least headroom bytes, and never by less than base percent (Go's GOGC):
// the larger of the two.
func Percent(live, headroom uint64, base int) int {
	if live == 0 {
		return base
	}
	p := uint64(maxPercent)
	if h := headroom * 100 / live; h < p {
		p = h
	}
	return max(int(p), base)
}

// Tuner sets the GC percentage after every collection from the live heap
// it left. Start one with Start; Stop restores the percentage it found.
type Tuner struct {
	headroom uint64
	base     int
	floor    int // the least percentage while raised (Raise); 0 when not

	mu      sync.Mutex
	stopped bool
	set     int // the percentage set last
	sample  []metrics.Sample
}

// sentinel is the object whose cleanup runs after each collection. It
// holds a pointer so that the tiny allocator does not batch it with other
// objects, which would delay its cleanup.
type sentinel struct {
	_ *int
	_ [2]uintptr
}

// Start begins tuning for headroom bytes. It returns nil, and leaves the
// collector alone, when headroom is zero, when the GOGC environment
// variable sets the percentage (the operator's choice wins), or when
// collection is off.
func Start(headroom uint64) *Tuner {
	if headroom == 0 || os.Getenv("GOGC") != "" {
		return nil
	}
	base := currentPercent()
	if base < 0 {
		return nil
	}
	t := &Tuner{
		headroom: headroom,
		base:     base,
		set:      base,
		sample:   []metrics.Sample{{Name: "/gc/heap/live:bytes"}},
	}
	t.adjust()
	t.arm()
	return t
}

// currentPercent reads the GC percentage (debug has no getter).
func currentPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// arm has adjust run again after the next collection.
func (t *Tuner) arm() {
	runtime.AddCleanup(new(sentinel), func(t *Tuner) {
		if t.adjust() {
			t.arm()
		}
	}, t)
}

// adjust sets the percentage for the live heap the last collection left;
// it reports false once the tuner is stopped.
func (t *Tuner) adjust() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return false
	}
	p := Percent(t.sample[0].Value.Uint64(), t.headroom, max(t.base, t.floor))
	// Setting the percentage recomputes the collector's goal; a change of
	// under a tenth is not worth it.
	if d := p - t.set; d*10 > t.set || -d*10 > t.set {
		debug.SetGCPercent(p)
		t.set = p
	}
	return true
}

// Raise makes percent the least GC percentage until Lower, at once and
// after every collection. It suits a phase in which nearly everything
// allocated stays live, such as loading a large state at startup: a
// collection then re-marks a heap that only grows, and freeing nothing it
// only costs CPU. Raise and Lower do nothing on a nil Tuner.
func (t *Tuner) Raise(percent int) { t.setFloor(percent) }

// Lower ends Raise: the percentage follows the live heap and the headroom
// again from now on.
func (t *Tuner) Lower() { t.setFloor(0) }

func (t *Tuner) setFloor(percent int) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.floor = percent
	t.mu.Unlock()
	t.adjust()
}

// Stop ends the tuning and restores the percentage Start found. A nil
// Tuner is stopped already.
func (t *Tuner) Stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.stopped = true
	debug.SetGCPercent(t.base)
}
