package routing

import (
	"errors"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestForwardUnresolved(t *testing.T) {
	mk := func(id string, bt eskip.BackendType) *Route {
		return &Route{Id: id, BackendType: bt, Def: &eskip.Route{Id: id, Pos: eskip.Position{Line: 3}}}
	}
	for _, tc := range []struct {
		name    string
		in      []*Route
		keep    []string
		dropped []string
	}{
		{"none", nil, nil, nil},
		{"no forward", []*Route{mk("a", eskip.NetworkBackend), mk("b", eskip.ShuntBackend)}, []string{"a", "b"}, nil},
		{"forward first", []*Route{mk("f", eskip.ForwardBackend), mk("b", eskip.ShuntBackend)}, []string{"b"}, []string{"f"}},
		{"forward middle", []*Route{mk("a", eskip.LBBackend), mk("f", eskip.ForwardBackend), mk("g", eskip.ForwardBackend), mk("b", eskip.LoopBackend)}, []string{"a", "b"}, []string{"f", "g"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keep, bad := ForwardUnresolved{}.Do(tc.in)
			var ids []string
			for _, r := range keep {
				ids = append(ids, r.Id)
			}
			if !equalStrings(ids, tc.keep) {
				t.Errorf("kept %v, want %v", ids, tc.keep)
			}
			ids = nil
			for _, b := range bad {
				ids = append(ids, b.Id)
				if b.Reason != ReasonOther || !errors.Is(b.Err, ErrNoForwardBackend) || b.Pos.Line != 3 {
					t.Errorf("invalid %+v", b)
				}
			}
			if !equalStrings(ids, tc.dropped) {
				t.Errorf("dropped %v, want %v", ids, tc.dropped)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
