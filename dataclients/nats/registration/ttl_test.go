package registration

import (
	"math"
	"testing"
	"time"
)

// §6.2: stale_threshold_in_seconds only shortens the TTL; a negative one
// is kept.
func TestTTL(t *testing.T) {
	const def = 120 * time.Second
	for _, tc := range []struct {
		name       string
		threshold  int
		defaultTTL time.Duration
		want       time.Duration
	}{
		{name: "absent is the default", threshold: 0, defaultTTL: def, want: def},
		{name: "above the default is clamped", threshold: 200, defaultTTL: def, want: def},
		{name: "one above the default", threshold: 121, defaultTTL: def, want: def},
		{name: "the default itself", threshold: 120, defaultTTL: def, want: def},
		{name: "shorter is used", threshold: 60, defaultTTL: def, want: 60 * time.Second},
		{name: "one second", threshold: 1, defaultTTL: def, want: time.Second},
		{name: "negative is kept", threshold: -5, defaultTTL: def, want: -5 * time.Second},
		{name: "minus one", threshold: -1, defaultTTL: def, want: -time.Second},
		{name: "largest int is clamped", threshold: math.MaxInt, defaultTTL: def, want: def},
		{name: "smallest int saturates", threshold: math.MinInt, defaultTTL: def, want: math.MinInt64},
		{name: "negative beyond a Duration saturates", threshold: -10_000_000_000, defaultTTL: def, want: math.MinInt64},
		{name: "most negative that fits", threshold: -9_223_372_036, defaultTTL: def, want: -9_223_372_036 * time.Second},
		{name: "§18 E23 shortened", threshold: 2, defaultTTL: 4 * time.Second, want: 2 * time.Second},
		{name: "§18 E23 clamped", threshold: 60, defaultTTL: 4 * time.Second, want: 4 * time.Second},
		{name: "fractional default, below", threshold: 4, defaultTTL: 4500 * time.Millisecond, want: 4 * time.Second},
		{name: "fractional default, above", threshold: 5, defaultTTL: 4500 * time.Millisecond, want: 4500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TTL(tc.threshold, tc.defaultTTL); got != tc.want {
				t.Errorf("TTL(%d, %v) = %v, want %v", tc.threshold, tc.defaultTTL, got, tc.want)
			}
		})
	}
}
