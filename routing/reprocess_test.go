package routing

import (
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

// stampPost sets Route.Metrics to a stamp of the build that processed
// the route. Reprocessable as its field says: stamping a stamped route
// gives what stamping the route as instantiated gives.
type stampPost struct {
	gen    *int
	reproc bool
}

type stamp struct {
	RouteMetrics
	gen int
}

func (s stampPost) Do(rs []*Route) ([]*Route, []InvalidRoute) {
	for _, r := range rs {
		r.Metrics = &stamp{gen: *s.gen}
	}
	return rs, nil
}

func (stampPost) RouteLocal() bool      { return true }
func (s stampPost) Reprocessable() bool { return s.reproc }

// appendPost adds a filter to every route: processing its output again
// would add a second one, so it is not reprocessable.
type appendPost struct{}

func (appendPost) Do(rs []*Route) ([]*Route, []InvalidRoute) {
	for _, r := range rs {
		r.Filters = append(r.Filters, &RouteFilter{Name: "appended"})
	}
	return rs, nil
}

func (appendPost) RouteLocal() bool { return true }

func stampOf(r *Route) int {
	if s, ok := r.Metrics.(*stamp); ok {
		return s.gen
	}
	return 0
}

// TestReprocessablePostProcessorsWorkInPlace checks when routing hands
// post-processors the route it instantiated rather than a copy: only when
// every post-processor is reprocessable and the route is new in the build;
// and that a route an earlier table serves is never changed, whatever the
// build path.
func TestReprocessablePostProcessorsWorkInPlace(t *testing.T) {
	defs := func(paths ...string) []*eskip.Route {
		var out []*eskip.Route
		for i, path := range paths {
			out = append(out, route(string(rune('a'+i)), p("Path", path)))
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		reproc  bool
		inPlace bool
	}{
		{"reprocessable", true, true},
		{"not reprocessable", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gen := 1
			o := testOptions()
			o.PostProcessors = []PostProcessor{ForwardUnresolved{}, stampPost{gen: &gen, reproc: tc.reproc}}
			cache := map[string]*cached{}
			t1 := build(buildInput{defs: defs("/a", "/b"), cache: cache, gen: 1, managed: true, unique: true}, o)
			first := t1.Routes()
			if len(first) != 2 {
				t.Fatalf("first table: %s", summary(t1))
			}
			for _, r := range first {
				if got := cache[r.Id].proto == r; got != tc.inPlace {
					t.Errorf("first build, route %s: served route is the instantiated one: %v, want %v", r.Id, got, tc.inPlace)
				}
				if stampOf(r) != 1 {
					t.Errorf("first build, route %s: stamp %d, want 1", r.Id, stampOf(r))
				}
			}

			// A full build of the same definitions reuses both routes:
			// they are served by t1, so the post-processors get copies.
			gen = 2
			t2 := build(buildInput{defs: defs("/a", "/b"), cache: cache, gen: 2, managed: true, unique: true}, o)
			for i, r := range t2.Routes() {
				if r == first[i] {
					t.Errorf("full rebuild, route %s: the route t1 serves was handed to the post-processors", r.Id)
				}
				if stampOf(r) != 2 || stampOf(first[i]) != 1 {
					t.Errorf("full rebuild, route %s: stamps %d (new) and %d (t1's), want 2 and 1", r.Id, stampOf(r), stampOf(first[i]))
				}
			}

			// A change applied copy-on-write: the changed route is new
			// and handled like a new route of a full build.
			gen = 3
			t3 := build(buildInput{defs: defs("/a", "/c"), cache: cache, gen: 3, managed: true, unique: true, prev: t2}, o)
			if !t3.incremental {
				t.Fatal("change not applied copy-on-write")
			}
			changed := cache["b"].final
			if changed == nil || stampOf(changed) != 3 {
				t.Fatalf("changed route: %v", changed)
			}
			if got := cache["b"].proto == changed; got != tc.inPlace {
				t.Errorf("copy-on-write, changed route: served route is the instantiated one: %v, want %v", got, tc.inPlace)
			}
			if stampOf(t2.Routes()[1]) != 2 {
				t.Error("copy-on-write build changed a route t2 serves")
			}
		})
	}
}

// TestPostProcessorsGetRoutesAsInstantiated checks that a post-processor
// that is not reprocessable sees each route as instantiated in every
// build, never its own output of an earlier one.
func TestPostProcessorsGetRoutesAsInstantiated(t *testing.T) {
	o := testOptions()
	o.PostProcessors = []PostProcessor{appendPost{}}
	cache := map[string]*cached{}
	var tbl *Table
	for gen := uint64(1); gen <= 3; gen++ {
		// Full builds (prev nil) of the same definition.
		tbl = build(buildInput{defs: []*eskip.Route{route("a", p("Path", "/a"))}, cache: cache, gen: gen, managed: true, unique: true}, o)
		rs := tbl.Routes()
		if len(rs) != 1 || len(rs[0].Filters) != 1 {
			t.Fatalf("build %d: %s, filters %v", gen, summary(tbl), rs[0].Filters)
		}
	}
}
