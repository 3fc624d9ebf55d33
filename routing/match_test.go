package routing

import (
	"net/http"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func runMatchCases(t *testing.T, tbl *Table, cases []struct {
	method, target string
	hdr            []string
	want           string
	params         map[string]string
}) {
	t.Helper()
	for _, c := range cases {
		r := req(c.method, c.target, c.hdr...)
		got, ps := matchID(t, tbl, r)
		if got != c.want {
			t.Errorf("%s %s %v: got route %q, want %q", c.method, c.target, c.hdr, got, c.want)
			continue
		}
		for k, v := range c.params {
			if g := ps.Get(k); g != v {
				t.Errorf("%s %s: param %q = %q, want %q", c.method, c.target, k, g, v)
			}
		}
	}
}

type mc = struct {
	method, target string
	hdr            []string
	want           string
	params         map[string]string
}

func TestWorkedExamples(t *testing.T) {
	// the precedence examples of docs/routing.md, as eskip text
	const (
		r1 = `r1: Path("/test") -> "http://a";`
		r2 = `r2: Path("/test") && True() -> "http://b";`
		r3 = `r3: Path("/test") && Weight(100) -> "http://c";`
		r4 = `r4: Method("GET") -> "http://d";`
	)
	tests := []struct {
		name  string
		doc   string
		cases []mc
	}{
		{"r1 alone", r1 + r4, []mc{{"GET", "/test", nil, "r1", nil}, {"GET", "/other", nil, "r4", nil}}},
		{"True boosts r2", r1 + r2 + r4, []mc{{"GET", "/test", nil, "r2", nil}}},
		{"Weight(100) beats True", r1 + r2 + r3 + r4, []mc{
			{"GET", "/test", nil, "r3", nil},
			{"POST", "/test", nil, "r3", nil},
			{"GET", "/nope", nil, "r4", nil},
			{"POST", "/nope", nil, "", nil},
		}},
		{"root route never beats a tree route", r4 + `r5: Path("/test") && Method("POST") -> "http://e";`, []mc{
			{"GET", "/test", nil, "r4", nil}, // the tree has no match for GET: root leaf
			{"POST", "/test", nil, "r5", nil},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl := Build(parse(t, tc.doc), testOptions())
			if n := len(tbl.Invalid()); n != 0 {
				t.Fatalf("invalid routes: %v", tbl.Invalid())
			}
			runMatchCases(t, tbl, tc.cases)
		})
	}
	tbl := Build(parse(t, r1+r2+r3+r4), testOptions())
	wantWeights := map[string]int{"r1": 0, "r2": 1, "r3": 100, "r4": 1}
	for _, r := range tbl.Routes() {
		if r.Weight != wantWeights[r.Id] {
			t.Errorf("%s weight %d, want %d", r.Id, r.Weight, wantWeights[r.Id])
		}
	}
}

// TestParsedPredicates checks the matcher predicates as the parser
// delivers them (lifted into Route fields).
func TestParsedPredicates(t *testing.T) {
	tbl := Build(parse(t, `
		host: Host(/^a[.]example[.]org$/) && Path("/p") -> <shunt>;
		hostAny: HostAny("b.org", "c.org:8080") && Path("/p") -> <shunt>;
		method: Method("PUT") && Path("/p") -> <shunt>;
		header: Header("x-a", "1") && Path("/p") -> <shunt>;
		headerRx: HeaderRegexp("X-B", /^v/) && HeaderRegexp("X-B", /9$/) && Path("/p") -> <shunt>;
		pathRx: PathRegexp(/^[/]q[/][0-9]+$/) -> <shunt>;
		weighted: Path("/p") && Weight(-3) -> <shunt>;
		sub: PathSubtree("/s/*tail") && Weight(2) -> <shunt>;
	`), testOptions())
	if len(tbl.Invalid()) > 0 {
		t.Fatal(tbl.Invalid())
	}
	runMatchCases(t, tbl, []mc{
		{"GET", "http://a.example.org/p", nil, "host", nil},
		{"GET", "http://a.example.org:80/p", nil, "weighted", nil},
		{"GET", "http://c.org:8080/p", nil, "hostAny", nil},
		{"GET", "http://c.org/p", nil, "weighted", nil},
		{"PUT", "http://x/p", nil, "method", nil},
		{"GET", "http://x/p", []string{"X-A", "1"}, "header", nil},
		{"GET", "http://x/p", []string{"X-B", "v9"}, "headerRx", nil},
		{"GET", "http://x/p", []string{"X-B", "v8"}, "weighted", nil},
		{"GET", "http://x/q/12", nil, "pathRx", nil},
		{"GET", "http://x/q/12/", nil, "", nil},
		{"GET", "http://x/s", nil, "sub", map[string]string{"tail": "/"}},
		{"GET", "http://x/s/a/b", nil, "sub", map[string]string{"tail": "/a/b"}},
	})
}

func TestTreePrecedenceAndBacktracking(t *testing.T) {
	defs := []*eskip.Route{
		route("static", p("Path", "/api/users"), p("Method", "POST")),
		route("param", p("Path", "/api/:id"), p("HeaderIs", "X-P", "1")),
		route("free", p("Path", "/api/*rest"), p("HeaderIs", "X-F", "1")),
		route("subtree", p("PathSubtree", "/api")),
		route("deep", p("Path", "/api/:id/items/:item")),
		route("rootOnly", p("Method", "DELETE")),
	}
	tbl := Build(defs, testOptions())
	if len(tbl.Invalid()) != 0 {
		t.Fatalf("invalid: %v", tbl.Invalid())
	}
	runMatchCases(t, tbl, []mc{
		{"POST", "/api/users", nil, "static", nil},
		// backtracking: GET falls through to the subtree route
		{"GET", "/api/users", nil, "subtree", map[string]string{"*": "/users"}},
		{"GET", "/api/users", []string{"X-P", "1"}, "param", map[string]string{"id": "users"}},
		{"POST", "/api/users", []string{"X-P", "1"}, "static", nil},
		{"GET", "/api/users", []string{"X-F", "1"}, "free", map[string]string{"rest": "/users"}},
		{"GET", "/api/users", []string{"X-F", "1", "X-P", "1"}, "param", nil},
		{"GET", "/api/a/b", []string{"X-F", "1", "X-P", "1"}, "free", map[string]string{"rest": "/a/b"}},
		{"GET", "/api/7/items/9", nil, "deep", map[string]string{"id": "7", "item": "9"}},
		// a tree route always beats a root route (§4.5)
		{"DELETE", "/api/x", nil, "subtree", nil},
		{"DELETE", "/other", nil, "rootOnly", nil},
		{"GET", "/other", nil, "", nil},
	})
}

func TestRootLeafLosesToTree(t *testing.T) {
	defs := []*eskip.Route{
		route("a", p("PathSubtree", "/")),
		route("b", p("Method", "POST"), p("Host", "x"), p("Weight", 1000.0)),
	}
	tbl := Build(defs, testOptions())
	for _, target := range []string{"/", "/x", "/x/y/"} {
		r := req("POST", "http://x"+target)
		if got, _ := matchID(t, tbl, r); got != "a" {
			t.Errorf("POST %s: got %q, want a", target, got)
		}
	}
}

func TestPathWildcards(t *testing.T) {
	defs := []*eskip.Route{
		route("rest", p("Path", "/foo/*rest")),
		route("one", p("Path", "/api/:one/name")),
		route("two", p("Path", "/api/:two/name/"), p("Weight", 1.0)),
		route("anon", p("Path", "/anon/**")),
		route("unnamed", p("Path", "/unnamed/*")),
		route("esc", p("Path", "/esc/:v")),
		route("root", p("Path", "/")),
		route("trail", p("Path", "/trail/")),
	}
	tbl := Build(defs, testOptions())
	if len(tbl.Invalid()) != 0 {
		t.Fatalf("invalid: %v", tbl.Invalid())
	}
	runMatchCases(t, tbl, []mc{
		{"GET", "/foo/bar/baz", nil, "rest", map[string]string{"rest": "/bar/baz"}},
		{"GET", "/foo/bar/", nil, "rest", map[string]string{"rest": "/bar/"}},
		{"GET", "/foo/", nil, "", nil},
		{"GET", "/foo", nil, "", nil},
		{"GET", "/api/x/name", nil, "one", map[string]string{"one": "x"}},
		{"GET", "/api/x/name/", nil, "two", map[string]string{"two": "x"}},
		{"GET", "/api//name", nil, "", nil}, // cleaned to /api/name: no segment for :one
		{"GET", "/anon/a/b", nil, "anon", map[string]string{"*": "/a/b"}},
		{"GET", "/unnamed/a", nil, "unnamed", map[string]string{"*": "/a"}},
		{"GET", "/esc/a+b%2520c", nil, "esc", map[string]string{"v": "a b c"}},
		{"GET", "/", nil, "root", nil},
		{"GET", "/trail/", nil, "trail", nil},
		{"GET", "/trail", nil, "", nil},
		// cleaning of the request path
		{"GET", "/x/../foo//bar/./baz", nil, "rest", map[string]string{"rest": "/bar/baz"}},
		{"GET", "/a/./../trail/", nil, "trail", nil},
	})
}

func TestPathSubtree(t *testing.T) {
	defs := []*eskip.Route{
		route("foo", p("PathSubtree", "/foo")),
		route("named", p("PathSubtree", "/named/*tail")),
		route("slash", p("PathSubtree", "/slash/")),
	}
	for _, ignore := range []bool{false, true} {
		o := testOptions()
		o.IgnoreTrailingSlash = ignore
		tbl := Build(defs, o)
		barSlash := "/bar/"
		if ignore {
			barSlash = "/bar"
		}
		runMatchCases(t, tbl, []mc{
			{"GET", "/foo", nil, "foo", map[string]string{"*": "/"}},
			{"GET", "/foo/", nil, "foo", map[string]string{"*": "/"}},
			{"GET", "/foo/bar", nil, "foo", map[string]string{"*": "/bar"}},
			{"GET", "/foo/bar/", nil, "foo", map[string]string{"*": barSlash}},
			{"GET", "/foobar", nil, "", nil},
			{"GET", "/named", nil, "named", map[string]string{"tail": "/"}},
			{"GET", "/named/a/b", nil, "named", map[string]string{"tail": "/a/b"}},
			{"GET", "/slash", nil, "slash", nil},
			{"GET", "/slash/x", nil, "slash", map[string]string{"*": "/x"}},
		})
	}
	all := Build([]*eskip.Route{route("all", p("PathSubtree", "/"))}, testOptions())
	runMatchCases(t, all, []mc{
		{"GET", "/", nil, "all", map[string]string{"*": "/"}},
		{"GET", "/a", nil, "all", map[string]string{"*": "/a"}},
		{"GET", "/a/b/", nil, "all", map[string]string{"*": "/a/b/"}},
	})
}

func TestTrailingSlashOption(t *testing.T) {
	defs := []*eskip.Route{route("foo", p("Path", "/foo")), route("bar", p("Path", "/bar/"))}
	plain := Build(defs, testOptions())
	runMatchCases(t, plain, []mc{
		{"GET", "/foo", nil, "foo", nil}, {"GET", "/foo/", nil, "", nil},
		{"GET", "/bar/", nil, "bar", nil}, {"GET", "/bar", nil, "", nil},
	})
	o := testOptions()
	o.IgnoreTrailingSlash = true
	ign := Build(defs, o)
	runMatchCases(t, ign, []mc{
		{"GET", "/foo", nil, "foo", nil}, {"GET", "/foo/", nil, "foo", nil},
		{"GET", "/bar/", nil, "bar", nil}, {"GET", "/bar", nil, "bar", nil},
	})
}

func TestMatcherPredicates(t *testing.T) {
	defs := []*eskip.Route{
		route("host", p("Path", "/h"), p("Host", "^a[.]example[.]org$")),
		route("hostPort", p("Path", "/h"), p("Host", `^a\.example\.org:8080$`)),
		route("hostRx", p("Path", "/h"), p("Host", "example")),
		route("hostAny", p("Path", "/ha"), p("HostAny", "x.org", "y.org:81")),
		route("pathRx", p("Path", "/pr/:x"), p("PathRegexp", "/pr/[0-9]+/?$")),
		route("pathRx2", p("PathSubtree", "/pr2"), p("PathRegexp", "^/pr2/a"), p("PathRegexp", "b/$")),
		route("method", p("Path", "/m"), p("Method", "PUT")),
		route("header", p("Path", "/hd"), p("Header", "x-test", "v1")),
		route("headerRx", p("Path", "/hr"), p("HeaderRegexp", "X-Test", "^v"), p("HeaderRegexp", "x-test", "2$")),
		route("weightNeg", p("Path", "/w"), p("Weight", -1.0)),
		route("weightZero", p("Path", "/w")),
		route("weightSum", p("Path", "/w2"), p("Weight", 1.0), p("Weight", 2.9)),
		route("weightOne", p("Path", "/w2"), p("Weight", 2.0)),
	}
	tbl := Build(defs, testOptions())
	if len(tbl.Invalid()) != 0 {
		t.Fatalf("invalid: %v", tbl.Invalid())
	}
	runMatchCases(t, tbl, []mc{
		{"GET", "http://a.example.org/h", nil, "host", nil},
		{"GET", "http://a.example.org:8080/h", nil, "hostPort", nil},
		{"GET", "http://b.example.org:8080/h", nil, "hostRx", nil},
		{"GET", "http://A.EXAMPLE.org/h", nil, "", nil}, // no case folding
		{"GET", "http://axexample.org/h", nil, "hostRx", nil},
		{"GET", "http://x.org/ha", nil, "hostAny", nil},
		{"GET", "http://y.org:81/ha", nil, "hostAny", nil},
		{"GET", "http://y.org/ha", nil, "", nil},
		{"GET", "/pr/123", nil, "pathRx", nil},
		{"GET", "/pr/123/", nil, "", nil}, // Path("/pr/:x") has no trailing slash
		{"GET", "/pr/abc", nil, "", nil},
		{"GET", "/pr2/a/b/", nil, "pathRx2", nil},
		{"GET", "/pr2/a/b", nil, "", nil},
		{"GET", "/pr2//a/./b/", nil, "pathRx2", nil}, // PathRegexp sees the cleaned path
		{"PUT", "/m", nil, "method", nil},
		{"put", "/m", nil, "", nil},
		{"GET", "/m", nil, "", nil},
		{"GET", "/hd", []string{"X-Test", "v1"}, "header", nil},
		{"GET", "/hd", []string{"X-Test", "v0", "X-Test", "v1"}, "header", nil},
		{"GET", "/hd", []string{"X-Test", "v10"}, "", nil},
		{"GET", "/hd", nil, "", nil},
		{"GET", "/hr", []string{"X-Test", "v2"}, "headerRx", nil},
		{"GET", "/hr", []string{"X-Test", "v1", "X-Test", "x2"}, "headerRx", nil},
		{"GET", "/hr", []string{"X-Test", "v1"}, "", nil},
		{"GET", "/hr", nil, "", nil},
		{"GET", "/w", nil, "weightZero", nil},
		{"GET", "/w2", nil, "weightSum", nil},
	})
	weights := map[string]int{"host": 1, "hostAny": 1, "pathRx2": 2, "headerRx": 1, "weightNeg": -1, "weightSum": 3, "weightOne": 2}
	for _, r := range tbl.Routes() {
		if w, ok := weights[r.Id]; ok && r.Weight != w {
			t.Errorf("%s: weight %d, want %d", r.Id, r.Weight, w)
		}
	}
}

func TestFieldsFromParser(t *testing.T) {
	// The parser lifts matcher predicates into fields; both forms are one.
	def := &eskip.Route{
		Id: "f", Path: "/f/:x", HostRegexps: []string{"^h$"}, PathRegexps: []string{"f"},
		Method: "GET", Headers: map[string]string{"a": "1"}, HeaderRegexps: map[string][]string{"b": {"2"}},
		Predicates:  []*eskip.Predicate{p("HeaderIsW", "C", "3"), p("Weight", 2.0)},
		BackendType: eskip.ShuntBackend,
	}
	tbl := Build([]*eskip.Route{def}, testOptions())
	if len(tbl.Routes()) != 1 {
		t.Fatalf("invalid: %v", tbl.Invalid())
	}
	// 2 (Weight) + 1 Method + 1 Host + 1 PathRegexp + 1 Header + 1 HeaderRegexp + 1 custom + 5 declared
	if w := tbl.Routes()[0].Weight; w != 13 {
		t.Errorf("weight %d, want 13", w)
	}
	runMatchCases(t, tbl, []mc{
		{"GET", "http://h/f/1", []string{"A", "1", "B", "x2", "C", "3"}, "f", map[string]string{"x": "1"}},
		{"GET", "http://h/f/1", []string{"A", "1", "B", "x2", "C", "4"}, "", nil},
		{"GET", "http://h/f/1", []string{"A", "1", "C", "3"}, "", nil},
		{"GET", "http://h/f/1", []string{"B", "2", "C", "3"}, "", nil},
		{"HEAD", "http://h/f/1", []string{"A", "1", "B", "2", "C", "3"}, "", nil},
	})
}

func TestTiesByID(t *testing.T) {
	defs := []*eskip.Route{
		route("c", p("Path", "/t"), p("True")),
		route("a", p("Path", "/t"), p("HeaderIs", "X", "1")),
		route("b", p("Path", "/t"), p("True")),
	}
	// every order of definitions gives the same winner
	perms := [][]int{{0, 1, 2}, {2, 1, 0}, {1, 0, 2}, {2, 0, 1}}
	for _, perm := range perms {
		in := []*eskip.Route{defs[perm[0]], defs[perm[1]], defs[perm[2]]}
		tbl := Build(in, testOptions())
		runMatchCases(t, tbl, []mc{
			{"GET", "/t", []string{"X", "1"}, "a", nil},
			{"GET", "/t", nil, "b", nil},
		})
	}
}

func TestDedupeLastWins(t *testing.T) {
	a1 := route("a", p("Path", "/one"))
	a2 := route("a", p("Path", "/two"))
	tbl := Build([]*eskip.Route{a1, route("b", p("Path", "/b")), a2}, testOptions())
	if len(tbl.Routes()) != 2 || tbl.Routes()[0].Def != a2 {
		t.Fatalf("routes: %v", tbl.Routes())
	}
	runMatchCases(t, tbl, []mc{{"GET", "/one", nil, "", nil}, {"GET", "/two", nil, "a", nil}})
}

func TestMatchDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	defs := []*eskip.Route{
		route("a", p("Host", "^svc1[.]example[.]org$"), p("PathSubtree", "/api/v1")),
		route("b", p("Path", "/x/:id/*rest"), p("Header", "X-A", "1"), p("Method", "GET")),
		route("c", p("Host", "svc"), p("PathRegexp", "^/y")),
	}
	tbl := Build(defs, testOptions())
	reqs := []*http.Request{
		req("GET", "http://svc1.example.org/api/v1/users/1"),
		req("GET", "http://h/x/7/a/b", "X-A", "1"),
		req("GET", "http://svc/y/z"),
	}
	var ps Params
	for _, r := range reqs {
		n := testing.AllocsPerRun(100, func() {
			ps.Reset()
			if tbl.Match(r, &ps) == nil {
				t.Fatal("no match")
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocs per Match", r.URL, n)
		}
	}
}
