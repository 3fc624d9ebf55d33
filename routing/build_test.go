package routing

import (
	"errors"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

func withFilters(r *eskip.Route, fs ...*eskip.Filter) *eskip.Route {
	r.Filters = fs
	return r
}

func f(name string, args ...any) *eskip.Filter { return &eskip.Filter{Name: name, Args: args} }

func TestInvalidRoutes(t *testing.T) {
	tests := []struct {
		def    *eskip.Route
		reason string
		errHas string
	}{
		{&eskip.Route{Id: "noScheme", Backend: "example.org"}, ReasonFailedBackendSplit, `backend address "example.org": missing scheme`},
		{&eskip.Route{Id: "noHost", Backend: "http://"}, ReasonFailedBackendSplit, `backend address "http://": missing host`},
		{&eskip.Route{Id: "ftpBackend", Backend: "ftp://a"}, ReasonFailedBackendSplit, `backend address "ftp://a": unsupported scheme "ftp" (want http, https or h2c)`},
		{&eskip.Route{Id: "badPort", Backend: "http://a:65536"}, ReasonFailedBackendSplit, `invalid port "65536"`},
		{&eskip.Route{Id: "badURL", Backend: "http://a b:x"}, ReasonFailedBackendSplit, "badURL"[:0]},
		{withFilters(route("unknownFilter"), f("nope")), ReasonUnknownFilter, `unknown filter "nope"`},
		{withFilters(route("predAsFilter"), f("HeaderIs")), ReasonUnknownFilter, "only available as a predicate"},
		{withFilters(route("matcherAsFilter"), f("PathSubtree", "/")), ReasonUnknownFilter, "only available as a predicate"},
		{withFilters(route("badFilterArgs"), f("status", "bad")), ReasonInvalidFilterParams, "invalid filter parameters"},
		{route("unknownPred", p("Nope")), ReasonUnknownPredicate, `unknown predicate "Nope"`},
		{route("filterAsPred", p("status")), ReasonUnknownPredicate, "only available as a filter"},
		{route("badPredArgs", p("HeaderIs", "x")), ReasonInvalidPredicateParams, "want 2 args"},
		{route("badHostAny", p("HostAny")), ReasonInvalidPredicateParams, "at least one"},
		{route("badHostAnyType", p("HostAny", 1.0)), ReasonInvalidPredicateParams, "want string"},
		{route("badWeight", p("Weight", "x")), ReasonInvalidPredicateParams, "want a number"},
		{route("badWeightCount", p("Weight")), ReasonInvalidPredicateParams, "want one number"},
		{route("legacyHost", p("Host", 1.0)), ReasonInvalidPredicateParams, "want a string"},
		{route("legacyHeader", p("Header", "a")), ReasonInvalidPredicateParams, "want 2"},
		{route("legacyMethod", p("Method", "GET", "POST")), ReasonInvalidPredicateParams, "want 1"},
		{route("twoTrees", p("Path", "/a"), p("PathSubtree", "/b")), ReasonInvalidPredicateParams, "multiple tree predicates (Path, PathSubtree) in the route: twoTrees"},
		{&eskip.Route{Id: "fieldAndPred", Path: "/a", Predicates: []*eskip.Predicate{p("Path", "/b")}}, ReasonInvalidPredicateParams, "multiple tree predicates"},
		{route("treeArg", p("PathSubtree", 1.0)), ReasonInvalidPredicateParams, "one string"},
		{route("freeNotLast", p("Path", "/a/*x/b")), ReasonInvalidMatcher, "free wildcard param should be last"},
		{route("freeTrailingSlash", p("Path", "/a/*x/")), ReasonInvalidMatcher, "free wildcard param should be last"},
		{route("midSegment", p("Path", "/foo*")), ReasonInvalidMatcher, "* or : in middle of path component"},
		{route("midColon", p("PathSubtree", "/foo:bar")), ReasonInvalidMatcher, "* or : in middle"},
		{route("badHostRx", p("Host", "(")), ReasonInvalidMatcher, "Host regexp"},
		{route("badPathRx", p("PathRegexp", "[")), ReasonInvalidMatcher, "PathRegexp"},
		{route("badHeaderRx", p("HeaderRegexp", "a", "(")), ReasonInvalidMatcher, "HeaderRegexp"},
		{&eskip.Route{Id: "badLB", BackendType: eskip.LBBackend, LBEndpoints: []*eskip.LBEndpoint{{Address: "nohost"}}}, ReasonInvalidLB, "nohost"},
		{&eskip.Route{Id: "ftpLB", BackendType: eskip.LBBackend, LBEndpoints: []*eskip.LBEndpoint{{Address: "http://a"}, {Address: "ftp://b"}}}, ReasonInvalidLB,
			`load balancer endpoint 2: backend address "ftp://b": unsupported scheme "ftp" (want http, https or h2c)`},
		{&eskip.Route{Id: "emptyLB", BackendType: eskip.LBBackend, LBEndpoints: []*eskip.LBEndpoint{{Address: ""}}}, ReasonInvalidLB, `load balancer endpoint 1: backend address "": empty address`},
	}
	var defs []*eskip.Route
	for i, tc := range tests {
		tc.def.Pos = eskip.Position{Source: "x.eskip", Line: i + 1, Column: 1}
		defs = append(defs, tc.def)
	}
	defs = append(defs, route("fine"))
	tbl := Build(defs, testOptions())
	if len(tbl.Routes()) != 1 || tbl.Routes()[0].Id != "fine" {
		t.Fatalf("valid routes: %v", routeIDs(tbl))
	}
	got := map[string]InvalidRoute{}
	for _, inv := range tbl.Invalid() {
		got[inv.Id] = inv
	}
	for i, tc := range tests {
		inv, ok := got[tc.def.Id]
		if !ok {
			t.Errorf("%s: not invalid", tc.def.Id)
			continue
		}
		if inv.Reason != tc.reason || inv.Err == nil || !strings.Contains(inv.Err.Error(), tc.errHas) {
			t.Errorf("%s: got %s %v, want %s containing %q", tc.def.Id, inv.Reason, inv.Err, tc.reason, tc.errHas)
		}
		if inv.Pos.Line != i+1 || inv.Pos.Source != "x.eskip" {
			t.Errorf("%s: position %+v", tc.def.Id, inv.Pos)
		}
	}
	if errors.Is(got["badFilterArgs"].Err, filters.ErrInvalidFilterParameters) != true {
		t.Error("filter error not wrapped")
	}
	for _, id := range []string{"ftpBackend", "ftpLB"} {
		if !errors.Is(got[id].Err, eskip.ErrUnsupportedScheme) {
			t.Errorf("%s: address error not wrapped: %v", id, got[id].Err)
		}
	}
}

func TestFirstFailureWins(t *testing.T) {
	// backend split is checked before filters, filters before predicates
	d := withFilters(&eskip.Route{Id: "x", Backend: "nope", Predicates: []*eskip.Predicate{p("Nope")}}, f("nope"))
	tbl := Build([]*eskip.Route{d}, testOptions())
	if tbl.Invalid()[0].Reason != ReasonFailedBackendSplit {
		t.Errorf("got %s", tbl.Invalid()[0].Reason)
	}
	d = withFilters(route("x", p("Nope")), f("nope"))
	tbl = Build([]*eskip.Route{d}, testOptions())
	if tbl.Invalid()[0].Reason != ReasonUnknownFilter {
		t.Errorf("got %s", tbl.Invalid()[0].Reason)
	}
}

func TestBackendSplit(t *testing.T) {
	tests := []struct {
		addr, scheme, host string
	}{
		{"http://Example.ORG", "http", "example.org:80"},
		{"HTTPS://example.org/path?q=1", "https", "example.org:443"},
		{"h2c://b", "h2c", "b:80"},
		{"http://127.0.0.1:9001", "http", "127.0.0.1:9001"},
		{"http://[::1]", "http", "[::1]:80"},
		{"http://a:08080", "http", "a:8080"},
		{"", "", ""}, // accepted as skipper accepts it
	}
	for _, tc := range tests {
		tbl := Build([]*eskip.Route{{Id: "r", Backend: tc.addr}}, testOptions())
		if len(tbl.Routes()) != 1 {
			t.Errorf("%q: invalid %v", tc.addr, tbl.Invalid())
			continue
		}
		r := tbl.Routes()[0]
		if r.Scheme != tc.scheme || r.Host != tc.host {
			t.Errorf("%q: got %s %s, want %s %s", tc.addr, r.Scheme, r.Host, tc.scheme, tc.host)
		}
	}
	lb := &eskip.Route{Id: "lb", BackendType: eskip.LBBackend, LBAlgorithm: "roundRobin",
		LBEndpoints: []*eskip.LBEndpoint{{Address: "http://a"}, {Address: "https://b:8443", Zone: "z1"}}}
	tbl := Build([]*eskip.Route{lb}, testOptions())
	eps := tbl.Routes()[0].LBEndpoints
	if len(eps) != 2 || eps[0] != (LBEndpoint{"http", "a:80", ""}) || eps[1] != (LBEndpoint{"https", "b:8443", "z1"}) {
		t.Errorf("endpoints %+v", eps)
	}
	if tbl.Routes()[0].LBAlgorithm != "roundRobin" {
		t.Error("algorithm lost")
	}
}

type addFilterPre struct{}

func (addFilterPre) Do(defs []*eskip.Route) []*eskip.Route {
	out := make([]*eskip.Route, 0, len(defs)+1)
	for _, d := range defs {
		c := *d
		c.Filters = append([]*eskip.Filter{f("status", 200.0)}, d.Filters...)
		out = append(out, &c)
	}
	return append(out, route("added", p("Path", "/added")))
}

type dropPost struct{ id string }

func (d dropPost) Do(rs []*Route) ([]*Route, []InvalidRoute) {
	var keep []*Route
	var dropped []InvalidRoute
	for _, r := range rs {
		if r.Id == d.id {
			dropped = append(dropped, InvalidRoute{Id: r.Id, Source: r.Source, Pos: r.Def.Pos, Reason: ReasonInvalidLB, Err: errors.New("no endpoints")})
			continue
		}
		keep = append(keep, r)
	}
	return keep, dropped
}

// copyPost replaces every route by a copy, as a post-processor may.
type copyPost struct{}

func (copyPost) Do(rs []*Route) ([]*Route, []InvalidRoute) {
	out := make([]*Route, len(rs))
	for i, r := range rs {
		c := *r
		out[i] = &c
	}
	return out, nil
}

func TestProcessors(t *testing.T) {
	o := testOptions()
	o.PreProcessors = []PreProcessor{addFilterPre{}}
	o.PostProcessors = []PostProcessor{dropPost{"gone"}, copyPost{}}
	tbl := Build([]*eskip.Route{route("kept", p("Path", "/k")), route("gone", p("Path", "/g"))}, o)
	if routeIDs(tbl) != "added@ kept@ " {
		t.Fatalf("routes %q", routeIDs(tbl))
	}
	if inv := tbl.Invalid(); len(inv) != 1 || inv[0].Id != "gone" || inv[0].Reason != ReasonInvalidLB {
		t.Fatalf("invalid %+v", inv)
	}
	for _, r := range tbl.Routes()[1:] {
		if len(r.Filters) != 1 || r.Filters[0].Name != "status" {
			t.Errorf("%s: filters %v", r.Id, r.Filters)
		}
	}
	runMatchCases(t, tbl, []mc{{"GET", "/k", nil, "kept", nil}, {"GET", "/added", nil, "added", nil}, {"GET", "/g", nil, "", nil}})
	var ps Params
	if r := tbl.Match(req("GET", "/k"), &ps); r != tbl.Routes()[1] {
		t.Error("Match should return the post-processed route instance")
	}
}

func TestExactHost(t *testing.T) {
	tests := []struct {
		rx, lit string
		ok      bool
	}{
		{"^api[.]example[.]org$", "api.example.org", true},
		{`^api\.example\.org$`, "api.example.org", true},
		{`^api\.example\.org:8080$`, "api.example.org:8080", true},
		{"^localhost$", "localhost", true},
		{"^a-b_c$", "a-b_c", true},
		{"^api.example.org$", "", false}, // unescaped dots match any byte
		{"api[.]example[.]org$", "", false},
		{"^api[.]example[.]org", "", false},
		{`^api[.]example[.]org\$`, "", false},
		{"^(?i)api$", "", false},
		{"^(api)$", "", false},
		{"^a|b$", "", false},
		{"^a[bc]$", "", false},
		{`^a\d$`, "", false},
		{"^a*$", "", false},
		{"^[^a]$", "", false},
	}
	for _, tc := range tests {
		lit, ok := exactHost(tc.rx)
		if ok != tc.ok || lit != tc.lit {
			t.Errorf("%q: got %q %v, want %q %v", tc.rx, lit, ok, tc.lit, tc.ok)
		}
	}
}

func TestCleanPath(t *testing.T) {
	tests := map[string]string{
		"": "/", "/": "/", "a": "/a", "/a/": "/a/", "//a//b//": "/a/b/", "/a/./b": "/a/b",
		"/a/../b": "/b", "/..": "/", "/a/.": "/a", "/a/..": "/", "/.a/..b": "/.a/..b", "/a/b/../": "/a/",
	}
	for in, want := range tests {
		if got := cleanPath(in); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildTableReleaseIsNoop(t *testing.T) {
	var closes atomicCounter
	o := testOptions()
	o.Filters.Register(testFilterSpec{name: "closing", closes: &closes.Int32})
	tbl := Build([]*eskip.Route{withFilters(route("a"), f("closing"))}, o)
	tbl.Release()
	if tbl.Closed() || closes.Load() != 0 {
		t.Fatal("Release closed a Build table")
	}
}
