package loadbalancer

import (
	"math"
	"slices"
	"testing"
)

// TestPowerOfTwoPrefersLessLoaded: of two endpoints, the one with more in
// flight is chosen only when both draws hit it, a quarter of the time.
func TestPowerOfTwoPrefersLessLoaded(t *testing.T) {
	b := balancer(algoPowerOfTwo, 2)
	busy := b.Members()[1].Endpoint
	for range 5 {
		busy.Begin()
	}
	const draws = 40000
	got := float64(picks(b, draws)[1]) / draws
	// 5 standard deviations of a binomial share around 1/4.
	if tol := 5 * math.Sqrt(0.25*0.75/draws); math.Abs(got-0.25) > tol {
		t.Errorf("busy endpoint got %.3f of the picks, want 0.25 ± %.3f", got, tol)
	}
}

// TestSlowEndpoint simulates one endpoint of 5 whose requests stay in
// flight ten times longer than the others'. roundRobin gives it exactly
// its fifth; the algorithms that look at in-flight counts give it
// measurably less.
func TestSlowEndpoint(t *testing.T) {
	const n, ticks, perTick = 5, 2000, 5
	for _, tc := range []struct {
		algo     algorithm
		min, max float64 // share of the slow endpoint's picks
		spread   float64 // most over fewest picks of the fast endpoints
	}{
		{algoRoundRobin, 0.199, 0.201, 1},
		{algoRandom, 0.18, 0.22, 1.15},
		{algoPowerOfTwo, 0, 0.15, 1.15},
		{algoLeastConnection, 0, 0.10, 1.05},
	} {
		b := balancer(tc.algo, n)
		counts := simulate(b, 2, ticks, perTick)
		share := float64(counts[2]) / (ticks * perTick)
		t.Logf("algorithm %d: slow endpoint share %.3f (picks %v)", tc.algo, share, counts)
		if share < tc.min || share > tc.max {
			t.Errorf("algorithm %d: slow endpoint got %.3f of the picks, want %.3f..%.3f", tc.algo, share, tc.min, tc.max)
		}
		fast := append(counts[:2:2], counts[3:]...)
		if most, fewest := slices.Max(fast), slices.Min(fast); float64(most) > tc.spread*float64(fewest) {
			t.Errorf("algorithm %d: the fast endpoints got %v picks, more uneven than %.2f", tc.algo, fast, tc.spread)
		}
		for _, m := range b.Members() {
			if f := m.Endpoint.InFlight(); f != 0 {
				t.Fatalf("%s: %d in flight after the simulation", m.Host, f)
			}
		}
	}
}
