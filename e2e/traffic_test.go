package e2e

import (
	"fmt"
	"testing"

	"github.com/skiff-proxy/skiff"
)

// Two TrafficSegment halves of one path cover every request exactly once:
// the proxy draws one number per request for all candidate routes.
func TestTrafficSegmentSplit(t *testing.T) {
	a := newBackend(t, "a", nil)
	b := newBackend(t, "b", nil)
	in := start(t, routes(
		fmt.Sprintf(`low: Path("/split") && TrafficSegment(0, 0.5) -> %q;`, a.URL),
		fmt.Sprintf(`high: Path("/split") && TrafficSegment(0.5, 1) -> %q;`, b.URL),
		// a loopback re-match sees the same number as the outer match
		`outerLow: Path("/loop") && TrafficSegment(0, 0.5) -> setPath("/split") -> <loopback>;`,
		`outerHigh: Path("/loop") && TrafficSegment(0.5, 1) -> status(418) -> <shunt>;`,
	), skiff.Options{})

	const n = 400
	for _, tc := range []struct {
		path      string
		wantOther string // the backend never reached
		statuses  []int
	}{
		{"/split", "", []int{200}},
		{"/loop", "b", []int{200, 418}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			seen := map[string]int{}
			for range n {
				r := in.get(t, tc.path)
				ok := false
				for _, st := range tc.statuses {
					ok = ok || r.status == st
				}
				if !ok {
					t.Fatalf("status %d, want one of %v", r.status, tc.statuses)
				}
				key := r.header.Get("X-Backend")
				if r.status == 418 {
					key = "shunt"
				}
				seen[key]++
			}
			if tc.wantOther != "" && seen[tc.wantOther] > 0 {
				t.Errorf("backend %s reached %d times: the loopback drew a new number (%v)", tc.wantOther, seen[tc.wantOther], seen)
			}
			if len(seen) != 2 {
				t.Fatalf("outcomes %v, want two", seen)
			}
			for k, c := range seen {
				// 400 fair coin flips: below 100 has a chance of about 1e-24.
				if c < n/4 {
					t.Errorf("%s hit %d of %d times (%v)", k, c, n, seen)
				}
			}
		})
	}
}
