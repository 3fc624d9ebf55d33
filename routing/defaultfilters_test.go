package routing

import (
	"reflect"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func filterNames(fs []*eskip.Filter) []string {
	var n []string
	for _, f := range fs {
		n = append(n, f.Name)
	}
	return n
}

func TestDefaultFilters(t *testing.T) {
	pre := []*eskip.Filter{{Name: "p1"}, {Name: "p2"}}
	post := []*eskip.Filter{{Name: "a1"}}
	routes := func() []*eskip.Route {
		return []*eskip.Route{
			{Id: "net", Filters: []*eskip.Filter{{Name: "own"}}, BackendType: eskip.NetworkBackend},
			{Id: "shunt", BackendType: eskip.ShuntBackend},
			{Id: "loop", Filters: []*eskip.Filter{{Name: "x"}, {Name: "y"}}, BackendType: eskip.LoopBackend},
		}
	}
	for _, tc := range []struct {
		name      string
		pre, post []*eskip.Filter
		want      [][]string
	}{
		{"none", nil, nil, [][]string{{"own"}, nil, {"x", "y"}}},
		{"prepend", pre, nil, [][]string{{"p1", "p2", "own"}, {"p1", "p2"}, {"p1", "p2", "x", "y"}}},
		{"append", nil, post, [][]string{{"own", "a1"}, {"a1"}, {"x", "y", "a1"}}},
		{"both", pre, post, [][]string{{"p1", "p2", "own", "a1"}, {"p1", "p2", "a1"}, {"p1", "p2", "x", "y", "a1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := routes()
			out := DefaultFilters{Prepend: tc.pre, Append: tc.post}.Do(in)
			if len(out) != len(in) {
				t.Fatalf("%d routes, want %d", len(out), len(in))
			}
			for i, r := range out {
				if r.Id != in[i].Id {
					t.Errorf("route %d: id %s, want %s (order kept)", i, r.Id, in[i].Id)
				}
				if got := filterNames(r.Filters); !reflect.DeepEqual(got, tc.want[i]) {
					t.Errorf("%s: filters %v, want %v", r.Id, got, tc.want[i])
				}
			}
			if got := filterNames(in[0].Filters); !reflect.DeepEqual(got, []string{"own"}) {
				t.Errorf("input route modified: %v", got)
			}
		})
	}
}
