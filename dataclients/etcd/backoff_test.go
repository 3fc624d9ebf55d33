package etcd

import (
	"testing"
	"time"
)

func TestBackoffDoublesWithinBounds(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		name     string
		min, max time.Duration
		// upper bound of each of the first waits; each is at least half of it
		want []time.Duration
	}{
		{"defaults", DefaultMinBackoff, DefaultMaxBackoff,
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 6400 * ms, 10 * time.Second, 10 * time.Second}},
		{"min is max", 50 * ms, 50 * ms, []time.Duration{50 * ms, 50 * ms, 50 * ms}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackoff(tc.min, tc.max)
			for round := range 2 { // the second after reset
				for i, hi := range tc.want {
					if got := b.wait(); got < hi/2 || got > hi {
						t.Fatalf("round %d, wait %d: %v, want within [%v, %v]", round, i, got, hi/2, hi)
					}
				}
				b.reset()
			}
		})
	}
}
