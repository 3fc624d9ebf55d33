package routing

import (
	"fmt"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// TestSnapshotOrder checks that a full build takes a client's definitions
// in the order the client sent them while that order is exactly the
// client's set, and that the set is the same either way.
func TestSnapshotOrder(t *testing.T) {
	def := func(id, v string) *eskip.Route {
		return &eskip.Route{Id: id, Backend: v, BackendType: eskip.NetworkBackend}
	}
	a1, b1, c1, a2 := def("a", "1"), def("b", "1"), def("c", "1"), def("a", "2")
	full := func(rs ...*eskip.Route) dataclients.Update { return dataclients.Update{Reset: true, Upserts: rs} }
	for _, tc := range []struct {
		name      string
		clients   int
		updates   [][2]any // client index, update
		want      []*eskip.Route
		wantOrder bool // want is the order, not just the set
	}{
		{"full set", 1, [][2]any{{0, full(c1, a1, b1)}}, []*eskip.Route{c1, a1, b1}, true},
		{"nil skipped", 1, [][2]any{{0, full(c1, nil, b1)}}, []*eskip.Route{c1, b1}, true},
		{"repeated id", 1, [][2]any{{0, full(a1, b1, a2)}}, []*eskip.Route{a2, b1}, false},
		{"change after the full set", 1, [][2]any{{0, full(c1, a1)}, {0, dataclients.Update{Upserts: []*eskip.Route{b1}}}}, []*eskip.Route{c1, a1, b1}, false},
		{"delete after the full set", 1, [][2]any{{0, full(c1, a1, b1)}, {0, dataclients.Update{Deletes: []string{"a"}}}}, []*eskip.Route{c1, b1}, false},
		{"full set again", 1, [][2]any{{0, full(c1, a1)}, {0, dataclients.Update{Upserts: []*eskip.Route{b1}}}, {0, full(b1, a1)}}, []*eskip.Route{b1, a1}, true},
		{"two clients, later wins", 2, [][2]any{{0, full(c1, a1)}, {1, full(a2, b1)}}, []*eskip.Route{c1, a2, b1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cs []dataclients.DataClient
			for i := range tc.clients {
				cs = append(cs, newChanClient(fmt.Sprintf("c%d", i)))
			}
			log, _ := quietLogger()
			r := New(Options{BuildOptions: testOptions(), DataClients: cs, Log: log})
			for _, u := range tc.updates {
				r.apply(u[0].(int), u[1].(dataclients.Update))
			}
			defs, _, _, _ := r.snapshot()
			if len(defs) != len(tc.want) {
				t.Fatalf("got %d definitions, want %d", len(defs), len(tc.want))
			}
			in := map[*eskip.Route]bool{}
			for _, d := range defs {
				in[d] = true
			}
			for i, w := range tc.want {
				if !in[w] {
					t.Fatalf("definition %s v%s missing", w.Id, w.Backend)
				}
				if tc.wantOrder && defs[i] != w {
					t.Fatalf("definition %d is %s v%s, want %s v%s", i, defs[i].Id, defs[i].Backend, w.Id, w.Backend)
				}
			}
		})
	}
}
