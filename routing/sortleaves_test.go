package routing

import (
	"math/rand/v2"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

// TestBuildSortsEveryLeaf checks the invariant that a full build leaves
// every candidate list of every leaf in search order, although it sorts
// only the leaves it saw get a second entry.
func TestBuildSortsEveryLeaf(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		var rs []*eskip.Route
		for i := range 50 + rng.IntN(300) {
			rs = append(rs, genRoute(rng, i))
		}
		o := testOptions()
		if seed%2 == 0 {
			o.shardHosts = 2
		}
		tbl := Build(rs, o)
		checked := 0
		var walk func(n *node)
		walk = func(n *node) {
			for _, l := range []*leaf{n.leaf, n.free} {
				if l != nil {
					checked += checkLeafSorted(t, l)
				}
			}
			for _, c := range n.static {
				walk(c)
			}
			if n.param != nil {
				walk(n.param)
			}
		}
		walk(&tbl.tree)
		checked += checkLeafSorted(t, tbl.root)
		if tbl.unsorted != nil {
			t.Fatalf("seed %d: unsorted leaves left after the build", seed)
		}
		if checked == 0 {
			t.Fatalf("seed %d: no list of two or more entries to check", seed)
		}
	}
}

// checkLeafSorted fails unless l's lists are in search order, and returns
// how many lists of two or more entries it checked.
func checkLeafSorted(t *testing.T, l *leaf) int {
	t.Helper()
	if l.queued {
		t.Fatal("a leaf is still marked queued")
	}
	n := 0
	for i := 1; i < len(l.general); i++ {
		if l.general[i].before(l.general[i-1]) {
			t.Fatalf("general list out of order: %s before %s", l.general[i-1].route.Id, l.general[i].route.Id)
		}
	}
	if len(l.general) > 1 {
		n++
	}
	l.hosts.each(func(h string, e *entry) {
		if e.next != nil {
			n++
		}
		for ; e.next != nil; e = e.next {
			if e.next.before(e) {
				t.Fatalf("host %s: %s before %s", h, e.route.Id, e.next.route.Id)
			}
		}
	})
	return n
}
