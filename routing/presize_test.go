package routing

import (
	"fmt"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestPresizeRootSegments(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		path  func(i int) string
		sized bool
	}{
		{"own first segment each", 5000, func(i int) string { return fmt.Sprintf("/p%d", i) }, true},
		{"shared prefix", 5000, func(i int) string { return fmt.Sprintf("/api/p%d", i) }, false},
		{"few routes", 1000, func(i int) string { return fmt.Sprintf("/p%d", i) }, false},
		{"half shared", 5000, func(i int) string { return fmt.Sprintf("/p%d", i/2) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defs := make([]*eskip.Route, tc.n)
			for i := range defs {
				defs[i] = route(fmt.Sprintf("r%d", i), p("Path", tc.path(i)))
			}
			b := newBuilder(testOptions())
			routes := make([]*Route, len(defs))
			for i, d := range defs {
				r, _, err := b.instantiate(d, "")
				if err != nil {
					t.Fatal(err.err)
				}
				routes[i] = r
			}
			var n node
			n.presize(routes)
			if got := n.static != nil; got != tc.sized {
				t.Fatalf("presized %v, want %v", got, tc.sized)
			}
			// The table is the same either way.
			tbl := Build(defs, testOptions())
			last := tc.n - 1
			r := req("GET", "http://x"+tc.path(last))
			if id, _ := matchID(t, tbl, r); id != fmt.Sprintf("r%d", last) && tc.name != "half shared" {
				t.Fatalf("matched %q", id)
			}
		})
	}
}
