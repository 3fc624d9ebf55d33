package damping

import (
	"fmt"
	"testing"
	"time"
)

// endpointKeys are keys shaped like the NATS client's: route key and
// address.
func endpointKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("app-%d.apps.example.com|10.%d.%d.%d:61001", i/10, i>>16&255, i>>8&255, i&255)
	}
	return keys
}

// flapping returns a Damper on the real clock in which the first n of
// keys have just flipped, so that they have entries.
func flapping(keys []string, n int) *Damper[string] {
	d := New[string](DefaultConfig())
	for _, k := range keys[:n] {
		d.Observe(k, true)
		d.Observe(k, false)
		d.Observe(k, true)
	}
	return d
}

// TestRefreshAllocatesNothing: a re-registration that changes nothing is
// over 99% of the NATS stream, and must not allocate, whether or not the
// endpoint has an entry.
func TestRefreshAllocatesNothing(t *testing.T) {
	keys := endpointKeys(2000)
	d := flapping(keys, 1000)
	for _, tc := range []struct {
		name string
		key  string
	}{{"steady", keys[1500]}, {"flipped recently", keys[500]}} {
		if n := testing.AllocsPerRun(1000, func() { d.Observe(tc.key, true) }); n != 0 {
			t.Errorf("%s: %v allocations per refresh, want 0", tc.name, n)
		}
	}
	if n := testing.AllocsPerRun(1000, func() { d.Observe("new", false); d.Observe("new", true) }); n != 0 {
		t.Errorf("flips allocate %v times", n)
	}
}

// BenchmarkObserveRefresh is a re-registration that changes nothing, among
// 100,000 endpoints of which 1,000 flipped recently.
func BenchmarkObserveRefresh(b *testing.B) {
	keys := endpointKeys(100_000)
	d := flapping(keys, 1000)
	for _, bc := range []struct {
		name string
		keys []string
	}{{"steady", keys[1000:]}, {"flipped-recently", keys[:1000]}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if !d.Observe(bc.keys[i], true) {
					b.Fatal("refresh held")
				}
				if i++; i == len(bc.keys) {
					i = 0
				}
			}
		})
	}
}

// BenchmarkObserveFlip is a change of registration state: of endpoints
// that flip once a minute (not suppressed, the change applies), and of
// one endpoint flipping continuously (suppressed, the change is held).
func BenchmarkObserveFlip(b *testing.B) {
	b.Run("applied", func(b *testing.B) {
		keys := endpointKeys(10_000)
		clk := &fakeClock{}
		d := New[string](Config{Now: clk.Now})
		b.ReportAllocs()
		i, registered := 0, false
		for b.Loop() {
			if !d.Observe(keys[i], registered) {
				b.Fatal("a flip a minute was held")
			}
			if i++; i == len(keys) {
				i, registered = 0, !registered
				clk.advance(time.Minute)
			}
		}
	})
	b.Run("held", func(b *testing.B) {
		d := New[string](DefaultConfig())
		b.ReportAllocs()
		registered := false
		for b.Loop() {
			d.Observe("k", registered)
			registered = !registered
		}
	})
}

// BenchmarkTick is one Tick over the entries of endpoints that flipped
// recently, none of them due.
func BenchmarkTick(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d := flapping(endpointKeys(n), n)
			b.ReportAllocs()
			for b.Loop() {
				d.Tick()
			}
			if d.Len() != n {
				b.Fatalf("%d entries, want %d", d.Len(), n)
			}
		})
	}
}
