package gctune

import (
	"runtime"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		name           string
		live, headroom uint64
		base, want     int
	}{
		{"small heap gets the headroom", 4 * mb, 32 * mb, 100, 800},
		{"headroom below live: Go's rule", 200 * mb, 32 * mb, 100, 100},
		{"equal", 32 * mb, 32 * mb, 100, 100},
		{"the operator's base is a floor", 16 * mb, 32 * mb, 300, 300},
		{"nearly empty heap is bounded", 1, 32 * mb, 100, maxPercent},
		{"nothing measured yet", 0, 32 * mb, 100, 100},
	} {
		if got := Percent(tc.live, tc.headroom, tc.base); got != tc.want {
			t.Errorf("%s: Percent(%d, %d, %d) = %d, want %d", tc.name, tc.live, tc.headroom, tc.base, got, tc.want)
		}
	}
}

// TestTunerFollowsLiveHeap: the tuner raises the percentage for a small
// live heap, lowers it after a collection that left a large one, and Stop
// gives back the percentage it found.
func TestTunerFollowsLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	before := currentPercent()
	runtime.GC()
	tu := Start(64 << 20)
	if tu == nil {
		t.Fatal("no tuner")
	}
	if p := currentPercent(); p <= before {
		t.Errorf("percentage %d with a small live heap, want above %d", p, before)
	}

	// A live heap larger than the headroom brings Go's rule back once a
	// collection has seen it.
	big := make([][]byte, 0, 160)
	for range 160 {
		big = append(big, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(10 * time.Second)
	for currentPercent() != before {
		if time.Now().After(deadline) {
			t.Fatalf("percentage %d with %d MB live, want %d", currentPercent(), len(big), before)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(big)

	tu.Stop()
	tu.Stop()
	if p := currentPercent(); p != before {
		t.Errorf("percentage %d after Stop, want %d", p, before)
	}
}

func TestStartLeavesOperatorsChoice(t *testing.T) {
	t.Setenv("GOGC", "200")
	if tu := Start(64 << 20); tu != nil {
		tu.Stop()
		t.Error("tuner started although GOGC is set")
	}
	t.Setenv("GOGC", "")
	if tu := Start(0); tu != nil {
		tu.Stop()
		t.Error("tuner started without headroom")
	}
	var none *Tuner
	none.Stop()
}

// TestRaise: a raised floor holds with a large live heap, through
// collections, and Lower brings the live heap's percentage back.
func TestRaise(t *testing.T) {
	t.Setenv("GOGC", "")
	before := currentPercent()
	tu := Start(1 << 20) // a small headroom: a few MB live already need only Go's rule
	if tu == nil {
		t.Fatal("no tuner")
	}
	defer tu.Stop()
	big := make([][]byte, 0, 64)
	for range 64 {
		big = append(big, make([]byte, 1<<20))
	}
	runtime.GC()
	tu.Raise(400)
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the cleanup that adjusts runs after the collection
		if p := currentPercent(); p < 400 {
			t.Fatalf("percentage %d while raised to 400", p)
		}
	}
	tu.Lower()
	if p := currentPercent(); p != before {
		t.Errorf("percentage %d after Lower with %d MB live, want Go's %d", p, len(big), before)
	}
	runtime.KeepAlive(big)
	var none *Tuner
	none.Raise(400)
	none.Lower()
}
