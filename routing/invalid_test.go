package routing

import (
	"errors"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

// silentDrop drops a route without saying where it is defined, as a
// post-processor that only knows routing.Route may.
type silentDrop struct{ id string }

func (d silentDrop) Do(rs []*Route) ([]*Route, []InvalidRoute) {
	var keep []*Route
	var dropped []InvalidRoute
	for _, r := range rs {
		if r.Id == d.id {
			dropped = append(dropped, InvalidRoute{Id: r.Id, Reason: ReasonInvalidLB, Err: errors.New("no endpoints")})
			continue
		}
		keep = append(keep, r)
	}
	return keep, dropped
}

type localSilentDrop struct{ silentDrop }

func (localSilentDrop) RouteLocal() bool { return true }

func TestDroppedRoutesGetPositionAndSource(t *testing.T) {
	o := testOptions()
	defs, err := eskip.ParseDocument("x.eskip", []byte("ok: * -> <shunt>;\n\n  lb: * -> <roundRobin, \"http://a\">;\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, incremental := range []bool{false, true} {
		in := buildInput{defs: defs, sources: []string{"file:x", "file:x"}, cache: map[string]*cached{}, gen: 1}
		o.PostProcessors = []PostProcessor{silentDrop{"lb"}}
		if incremental {
			o.PostProcessors = []PostProcessor{localSilentDrop{silentDrop{"lb"}}}
			in.prev = build(buildInput{cache: in.cache}, o)
			in.gen = 2
		}
		tbl := build(in, o)
		if tbl.incremental != incremental {
			t.Fatalf("incremental build %v, want %v", tbl.incremental, incremental)
		}
		inv := tbl.Invalid()
		if len(inv) != 1 {
			t.Fatalf("invalid %v", inv)
		}
		if got, want := inv[0].Where()+inv[0].Error(), "x.eskip:3:3: lb: invalid_lb: no endpoints"; got != want || inv[0].Source != "file:x" {
			t.Errorf("incremental %v: %q from %q, want %q from file:x", incremental, got, inv[0].Source, want)
		}
	}
}

func TestArgumentTypeNames(t *testing.T) {
	defs := []*eskip.Route{
		{Id: "m", Predicates: []*eskip.Predicate{{Name: "Method", Args: []any{1.0}}}},
		{Id: "w", Predicates: []*eskip.Predicate{{Name: "Weight", Args: []any{"x"}}}},
		{Id: "h", Predicates: []*eskip.Predicate{{Name: "Header", Args: []any{"a", nil}}}},
	}
	want := map[string]string{
		"m": "m: invalid_predicate_params: Method: argument 1 is a number, want a string",
		"w": "w: invalid_predicate_params: Weight: want a number, got a string",
		"h": "h: invalid_predicate_params: Header: argument 2 is nil, want a string",
	}
	for _, inv := range Build(defs, testOptions()).Invalid() {
		if got := inv.Error(); got != want[inv.Id] {
			t.Errorf("%q, want %q", got, want[inv.Id])
		}
	}
}

type panicFilterSpec struct{}

func (panicFilterSpec) Name() string { return "panicky" }
func (panicFilterSpec) CreateFilter(args []any) (filters.Filter, error) {
	if len(args) > 0 {
		return nil, nil // neither a filter nor an error
	}
	var m map[string]int
	m["x"] = 1 // a bug of the spec
	return nil, nil
}

type panicPredicateSpec struct{}

func (panicPredicateSpec) Name() string { return "Panicky" }
func (panicPredicateSpec) Create(args []any) (Predicate, error) {
	if len(args) > 0 {
		return nil, nil
	}
	_ = args[3]
	return nil, nil
}

// TestPanickingSpecsMakeInvalidRoutes: a spec that panics or returns
// nothing makes its route invalid; the build goes on.
func TestPanickingSpecsMakeInvalidRoutes(t *testing.T) {
	o := testOptions()
	o.Filters.Register(panicFilterSpec{})
	o.Predicates.Register(panicPredicateSpec{})
	defs, err := eskip.Parse(`ok: * -> <shunt>; f: * -> panicky() -> <shunt>; p: Panicky() -> <shunt>;
		fn: * -> panicky(1) -> <shunt>; pn: Panicky(1) -> <shunt>`)
	if err != nil {
		t.Fatal(err)
	}
	tbl := Build(defs, o)
	if len(tbl.Routes()) != 1 {
		t.Fatalf("routes %v", tbl.Routes())
	}
	want := map[string]string{
		"f":  "f: invalid_filter_params: filter panicky (#1): creating the filter panicked: assignment to entry in nil map",
		"fn": "fn: invalid_filter_params: filter panicky (#1): the filter spec returned no filter",
		"p":  "p: invalid_predicate_params: predicate Panicky (#1): creating the predicate panicked: runtime error: index out of range [3] with length 0",
		"pn": "pn: invalid_predicate_params: predicate Panicky (#1): the predicate spec returned no predicate",
	}
	inv := tbl.Invalid()
	if len(inv) != len(want) {
		t.Fatalf("invalid %v", inv)
	}
	for _, i := range inv {
		if i.Error() != want[i.Id] {
			t.Errorf("%q, want %q", i.Error(), want[i.Id])
		}
	}
}
