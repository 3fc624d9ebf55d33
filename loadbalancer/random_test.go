package loadbalancer

import "testing"

// TestRandomSpread checks the counts against a uniform spread with a
// chi-square statistic. The bounds are the 1e-5 quantiles for the degrees
// of freedom, so a correct implementation fails about once in 100,000
// runs.
func TestRandomSpread(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		dead  int // index of a dead endpoint, or -1
		bound float64
	}{
		{"10 endpoints", 10, -1, 39.3},    // 9 degrees of freedom
		{"one of 10 dead", 10, 3, 37.3},   // 8
		{"2 endpoints", 2, -1, 19.5},      // 1
		{"100 endpoints", 100, -1, 170.8}, // 99
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := balancer(algoRandom, tc.n)
			live := tc.n
			if tc.dead >= 0 {
				b.Members()[tc.dead].Endpoint.MarkDead("test")
				live--
			}
			const draws = 100000
			counts := picks(b, draws)
			want := float64(draws) / float64(live)
			var chi2 float64
			for i, c := range counts {
				if i == tc.dead {
					if c != 0 {
						t.Errorf("dead endpoint chosen %d times", c)
					}
					continue
				}
				d := float64(c) - want
				chi2 += d * d / want
			}
			if chi2 > tc.bound {
				t.Errorf("chi-square %.1f > %.1f: not uniform: %v", chi2, tc.bound, counts)
			}
		})
	}
}
