package routing

import (
	"reflect"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

type namedPre struct{ name string }

func (namedPre) Do(rs []*eskip.Route) []*eskip.Route { return rs }

func TestActivePreProcessors(t *testing.T) {
	f := []*eskip.Filter{{Name: "status", Args: []any{200.0}}}
	a, b := namedPre{"a"}, namedPre{"b"}
	for _, tc := range []struct {
		name string
		in   []PreProcessor
		want []PreProcessor
	}{
		{"none", nil, nil},
		{"empty default filters", []PreProcessor{DefaultFilters{}}, nil},
		{"empty pointer", []PreProcessor{&DefaultFilters{}, a}, []PreProcessor{a}},
		{"nil pointer kept", []PreProcessor{(*DefaultFilters)(nil)}, []PreProcessor{(*DefaultFilters)(nil)}},
		{"prepend kept", []PreProcessor{DefaultFilters{Prepend: f}}, []PreProcessor{DefaultFilters{Prepend: f}}},
		{"append kept", []PreProcessor{a, DefaultFilters{Append: f}}, []PreProcessor{a, DefaultFilters{Append: f}}},
		{"order kept", []PreProcessor{a, DefaultFilters{}, b, &DefaultFilters{}}, []PreProcessor{a, b}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := activePreProcessors(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

type funcPost func([]*Route) []*Route

func (f funcPost) Do(rs []*Route) ([]*Route, []InvalidRoute) { return f(rs), nil }

// TestPredicateCounterAgrees checks that a full build counts predicate
// names as the copy-on-write path (Table.countPredicates) does, whatever
// the post-processors do to the list of routes.
func TestPredicateCounterAgrees(t *testing.T) {
	defs := func() []*eskip.Route {
		return []*eskip.Route{
			route("a", p("Path", "/a"), p("HeaderIs", "X", "1")),
			route("b", p("PathSubtree", "/b"), p("HeaderIs", "X", "2"), p("True")),
			route("c", p("Host", "^c$"), p("Weight", 3.0)),
			route("d"),
			route("e", p("True")),
		}
	}
	for _, tc := range []struct {
		name string
		post []PostProcessor
	}{
		{"none", nil},
		{"pass", []PostProcessor{passPost{}}},
		{"drop first", []PostProcessor{funcPost(func(rs []*Route) []*Route { return rs[1:] })}},
		{"reverse", []PostProcessor{funcPost(func(rs []*Route) []*Route {
			out := make([]*Route, len(rs))
			for i, r := range rs {
				out[len(rs)-1-i] = r
			}
			return out
		})}},
		{"new definition", []PostProcessor{funcPost(func(rs []*Route) []*Route {
			d := *rs[0].Def
			d.Predicates = append(d.Predicates, p("True"))
			rs[0].Def = &d
			return rs
		})}},
		{"made from scratch, one not adoptable", []PostProcessor{funcPost(func(rs []*Route) []*Route {
			good := &Route{Id: "f", Def: route("f", p("True"), p("Path", "/f"))}
			bad := &Route{Id: "g", Def: route("g", p("True"), p("Nope"))}
			return append(rs[:len(rs):len(rs)], good, bad)
		})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions()
			o.PostProcessors = tc.post
			tbl := Build(defs(), o)
			want := map[string]int{}
			ref := &Table{predicateUse: want}
			for _, r := range tbl.Routes() {
				ref.countPredicates(r, 1)
			}
			if !reflect.DeepEqual(tbl.predicateUse, want) {
				t.Fatalf("counted %v, want %v", tbl.predicateUse, want)
			}
			if len(want) == 0 {
				t.Fatal("nothing counted")
			}
		})
	}
}
