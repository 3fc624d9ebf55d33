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

// TestPredicateCounterAgrees checks that a full build counts predicate
// names as the copy-on-write path (Table.countPredicates) does.
func TestPredicateCounterAgrees(t *testing.T) {
	defs := []*eskip.Route{
		route("a", p("Path", "/a"), p("HeaderIs", "X", "1")),
		route("b", p("PathSubtree", "/b"), p("HeaderIs", "X", "2"), p("True")),
		route("c", p("Host", "^c$"), p("Weight", 3.0)),
		route("d"),
		{Id: "e", Predicates: []*eskip.Predicate{p("True")}, BackendType: eskip.ShuntBackend},
	}
	tbl := Build(defs, testOptions())
	want := map[string]int{}
	ref := &Table{predicateUse: want}
	for _, r := range tbl.Routes() {
		ref.countPredicates(r, 1)
	}
	if !reflect.DeepEqual(tbl.predicateUse, want) {
		t.Fatalf("counted %v, want %v", tbl.predicateUse, want)
	}
	if len(want) == 0 || want["True"] != 2 {
		t.Fatalf("reference counts %v", want)
	}
}
