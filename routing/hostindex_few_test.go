package routing

import (
	"fmt"
	"testing"
)

// TestHostIndexForms checks that the slice, map and sharded forms of a
// host index answer alike as hosts are added, replaced, removed and the
// index copied.
func TestHostIndexForms(t *testing.T) {
	for _, tc := range []struct {
		name      string
		hosts     int
		limit     int // split limit
		wantForm  string
		deleteOne bool
	}{
		{"empty", 0, 512, "few", false},
		{"one", 1, 512, "few", true},
		{"fewHosts", fewHosts, 512, "few", true},
		{"past fewHosts", fewHosts + 1, 512, "small", true},
		{"many", 100, 512, "small", true},
		{"split from few", 5, 4, "shards", true},
		{"split from small", 100, 50, "shards", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hi hostIndex
			want := map[string]*entry{}
			for i := range tc.hosts {
				h := fmt.Sprintf("h%d.example.org", i)
				e := &entry{weight: i}
				hi.set(h, e)
				want[h] = e
				hi.split(tc.limit)
			}
			if got := form(&hi); got != tc.wantForm {
				t.Fatalf("form %s, want %s", got, tc.wantForm)
			}
			check := func(what string, hi *hostIndex, want map[string]*entry) {
				t.Helper()
				n := 0
				hi.each(func(h string, e *entry) {
					n++
					if want[h] != e {
						t.Fatalf("%s: each gave %s -> %p, want %p", what, h, e, want[h])
					}
				})
				if n != len(want) {
					t.Fatalf("%s: each gave %d hosts, want %d", what, n, len(want))
				}
				for h, e := range want {
					if hi.get(h) != e {
						t.Fatalf("%s: get(%s) = %p, want %p", what, h, hi.get(h), e)
					}
				}
				if hi.get("other.example.org") != nil || hi.get("") != nil {
					t.Fatalf("%s: a host not in the index is found", what)
				}
			}
			check("built", &hi, want)

			// A clone changes independently of the original.
			var c hostIndex
			hi.cloneTo(&c)
			if len(c.few) == 1 && &c.few[0] != &c.one[0] {
				t.Fatal("the clone's single host is not in its own array")
			}
			cwant := map[string]*entry{}
			for h, e := range want {
				cwant[h] = e
			}
			if tc.hosts > 0 {
				e := &entry{weight: -1}
				c.set("h0.example.org", e)
				cwant["h0.example.org"] = e
			}
			if tc.deleteOne {
				h := fmt.Sprintf("h%d.example.org", tc.hosts-1)
				if tc.wantForm == "shards" {
					// cowTree.writableHosts copies the shard first.
					i := c.sharded.shardIndex(h)
					c.sharded.shards[i] = &hostShard{m: cloneMap(c.sharded.shards[i].m)}
				}
				c.del(h)
				delete(cwant, h)
			}
			c.set("new.example.org", &entry{weight: -2})
			cwant["new.example.org"] = c.get("new.example.org")
			if tc.wantForm != "shards" {
				// Shards are shared until written; the others are not.
				check("original after changing the clone", &hi, want)
			}
			check("clone", &c, cwant)
		})
	}
}

func form(hi *hostIndex) string {
	switch {
	case hi.sharded != nil:
		return "shards"
	case hi.small != nil:
		return "small"
	}
	return "few"
}

func cloneMap(m map[string]*entry) map[string]*entry {
	c := make(map[string]*entry, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
