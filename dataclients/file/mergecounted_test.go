package file

import (
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestMergedCountedIsMerge(t *testing.T) {
	r := func(id, backend string) *eskip.Route {
		return &eskip.Route{Id: id, Backend: backend, BackendType: eskip.NetworkBackend}
	}
	a1, b1, c1, a2, b2 := r("a", "1"), r("b", "1"), r("c", "1"), r("a", "2"), r("b", "2")
	for _, tc := range []struct {
		name  string
		files [][]*eskip.Route
	}{
		{"no files", nil},
		{"empty file", [][]*eskip.Route{{}}},
		{"one file", [][]*eskip.Route{{c1, a1, b1}}},
		{"id twice in a file", [][]*eskip.Route{{a1, b1, a2}}},
		{"two files", [][]*eskip.Route{{c1, a1}, {b1}}},
		{"id in two files", [][]*eskip.Route{{a1, c1}, {b2, a2}}},
		{"both", [][]*eskip.Route{{a1, b1, b2}, {a2, c1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &loop{}
			for _, rs := range tc.files {
				l.files = append(l.files, &fileState{routes: rs})
			}
			l.recount()
			got, want := l.mergedCounted(), l.merged()
			if len(got) != len(want) {
				t.Fatalf("%d routes, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("route %d is %s v%s, want %s v%s", i, got[i].Id, got[i].Backend, want[i].Id, want[i].Backend)
				}
			}
		})
	}
}
