package routing

import (
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

// remakePost replaces every route by a new Route value, as a post-processor
// building routes from scratch does.
type remakePost struct{}

func (remakePost) Do(rs []*Route) ([]*Route, []InvalidRoute) {
	out := make([]*Route, len(rs))
	for i, r := range rs {
		out[i] = &Route{Def: r.Def, Id: r.Id, Source: r.Source, Filters: r.Filters, BackendType: r.BackendType, Scheme: r.Scheme, Host: r.Host}
	}
	return out, nil
}

// TestFiltersOfFailedRoutesAreClosed: a route that fails after a closable
// filter was created is in no table, so that filter is closed at once; so
// are the filters created only to derive the matcher of a route a
// post-processor made.
func TestFiltersOfFailedRoutesAreClosed(t *testing.T) {
	var closes atomic.Int32
	o := testOptions()
	o.Filters.Register(testFilterSpec{name: "closer", closes: &closes})
	for _, tc := range []struct {
		name, doc string
		reason    string
	}{
		{"bad filter args", `r: * -> closer() -> status("bad") -> <shunt>`, ReasonInvalidFilterParams},
		{"unknown filter", `r: * -> closer() -> nope() -> <shunt>`, ReasonUnknownFilter},
		{"unknown predicate", `r: Nope() -> closer() -> <shunt>`, ReasonUnknownPredicate},
		{"bad predicate args", `r: HeaderIs("a") -> closer() -> <shunt>`, ReasonInvalidPredicateParams},
		{"bad regexp", `r: PathRegexp("(") -> closer() -> <shunt>`, ReasonInvalidMatcher},
		{"two paths", `r: Path("/a") && PathSubtree("/b") -> closer() -> <shunt>`, ReasonInvalidPredicateParams},
		{"bad path", `r: Path("/a/*b/c") -> closer() -> <shunt>`, ReasonInvalidMatcher},
	} {
		t.Run(tc.name, func(t *testing.T) {
			closes.Store(0)
			defs, err := eskip.Parse(tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			tbl := Build(defs, o)
			if inv := tbl.Invalid(); len(inv) != 1 || inv[0].Reason != tc.reason {
				t.Fatalf("invalid routes %v, want one %s", inv, tc.reason)
			}
			if n := closes.Load(); n != 1 {
				t.Fatalf("%d closes of the failed route's filter, want 1", n)
			}
		})
	}

	t.Run("post-processor made route", func(t *testing.T) {
		closes.Store(0)
		po := o
		po.PostProcessors = []PostProcessor{remakePost{}}
		defs, _ := eskip.Parse(`r: Path("/a") -> closer() -> <shunt>`)
		in := buildInput{defs: defs, managed: true}
		tbl := build(in, po)
		tbl.refs.Store(1)
		if len(tbl.Routes()) != 1 {
			t.Fatalf("routes %v invalid %v", tbl.Routes(), tbl.Invalid())
		}
		if n := closes.Load(); n != 1 {
			t.Fatalf("%d closes after build, want 1 (the matcher-only copy)", n)
		}
		tbl.Release()
		if n := closes.Load(); n != 2 {
			t.Fatalf("%d closes after release, want 2", n)
		}
	})
}
