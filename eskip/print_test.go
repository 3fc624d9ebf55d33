package eskip

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, doc string) []*Route {
	t.Helper()
	r, err := Parse(doc)
	if err != nil {
		t.Fatalf("parse %q: %v", doc, err)
	}
	return r
}

func TestConformancePrint(t *testing.T) {
	cases := []struct {
		id     string
		routes []*Route
		expr   bool // print the first route's expression instead of the document
		pretty bool
		want   string
	}{
		{id: "S01", expr: true,
			routes: mustParse(t, `r: True() && Cookie("alpha", /^enabled$/) && Method("GET") -> "https://x"`),
			want:   `Method("GET") && True() && Cookie("alpha", "^enabled$") -> "https://x"`},
		{id: "S02", expr: true,
			routes: mustParse(t, `r: Header("x-frontend-type","m") && Header("X-Forwarded-Proto","http") -> "https://x"`),
			want:   `Header("X-Forwarded-Proto", "http") && Header("x-frontend-type", "m") -> "https://x"`},
		{id: "S03", expr: true,
			routes: mustParse(t, `r: HeaderRegexp("B",/3/) && HeaderRegexp("B",/2/) && HeaderRegexp("A",/1/) -> "https://x"`),
			want:   `HeaderRegexp("A", /1/) && HeaderRegexp("B", /2/) && HeaderRegexp("B", /3/) -> "https://x"`},
		{id: "S04", expr: true,
			routes: []*Route{{Path: "/", PathRegexps: []string{"/"}, Filters: []*Filter{{Name: "afilter", Args: []any{"/"}}}, BackendType: ShuntBackend}},
			want:   `Path("/") && PathRegexp(/\//) -> afilter("/") -> <shunt>`},
		{id: "S05", expr: true,
			routes: []*Route{{Path: `\`, PathRegexps: []string{`\`}, Filters: []*Filter{{Name: "afilter", Args: []any{`\`}}}, BackendType: ShuntBackend}},
			want:   `Path("\\") && PathRegexp(/\\/) -> afilter("\\") -> <shunt>`},
		{id: "S06", expr: true,
			routes: []*Route{{Path: `"`, PathRegexps: []string{`"`}, Filters: []*Filter{{Name: "afilter", Args: []any{`"`}}}, BackendType: ShuntBackend}},
			want:   `Path("\"") && PathRegexp(/"/) -> afilter("\"") -> <shunt>`},
		{id: "S07", expr: true, routes: []*Route{{}}, want: `* -> ""`},
		{id: "S08", routes: mustParse(t, `r: Foo(1.50) -> <shunt>`), want: `r: Foo(1.5) -> <shunt>;`},
		{id: "S09", pretty: true,
			routes: mustParse(t, `route1: Method("GET") -> filter("expression") -> <shunt>; route2: Path("/some/path") -> "https://www.example.org"`),
			want:   "route1: Method(\"GET\")\n  -> filter(\"expression\")\n  -> <shunt>;\n\nroute2: Path(\"/some/path\")\n  -> \"https://www.example.org\";"},
		{id: "S09-compact",
			routes: mustParse(t, `route1: Method("GET") -> filter("expression") -> <shunt>; route2: Path("/some/path") -> "https://www.example.org"`),
			want:   "route1: Method(\"GET\") -> filter(\"expression\") -> <shunt>;\nroute2: Path(\"/some/path\") -> \"https://www.example.org\";"},
		{id: "S10", routes: mustParse(t, `r: PathRegexp(/^\/api/) && Host(/^example\.org$/) -> <shunt>`),
			want: `r: Host(/^example\\.org$/) && PathRegexp(/^\/api/) -> <shunt>;`},
		{id: "C35", routes: mustParse(t, `r: Any() -> <shunt>`), want: `r: * -> <shunt>;`},
		{id: "C51", routes: mustParse(t, `r: * -> <forward>`), want: `r: * -> <forward>;`},
		{id: "C59", routes: mustParse(t, `r: * -> <roundRobin, "http://a?zone=eu-1a", "http://b">`),
			want: `r: * -> <roundRobin, "http://a?zone=eu-1a", "http://b">;`},
		{id: "numbers", routes: mustParse(t, `r: Foo(-42, 3.14, 0.0000001, -0, 123456789012345678901234567890) -> <shunt>`),
			want: `r: Foo(-42, 3.14, 0.0000001, -0, 123456789012345677877719597056) -> <shunt>;`},
		{id: "empty", routes: nil, want: ``},
		{id: "single-bare", routes: mustParse(t, `* -> <dynamic>`), want: `* -> <dynamic>`},
		{id: "string-escapes", routes: mustParse(t, "r: * -> f(\"a\\\\b\\\"c\\nd\\ae\") -> <loopback>"),
			want: `r: * -> f("a\\b\"c\nd\ae") -> <loopback>;`},
		{id: "regexp-as-string", expr: true, routes: []*Route{{HostRegexps: []string{"a\nb", "[x", ""}, BackendType: ShuntBackend}},
			want: `Host("a\nb") && Host("[x") && Host("") -> <shunt>`},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			var got string
			switch {
			case c.expr:
				got = c.routes[0].String()
			default:
				got = Print(PrettyPrintInfo{Pretty: c.pretty, IndentStr: "  "}, c.routes...)
			}
			if got != c.want {
				t.Fatalf("\n got %s\nwant %s", got, c.want)
			}
			if len(c.routes) == 0 {
				return
			}
			// Printed text parses back to the same routes.
			back, err := Parse(got)
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if c.expr {
				back[0].Id = c.routes[0].Id
				if !Eq(back[0], c.routes[0]) {
					t.Fatalf("round trip changed the route: %s", back[0])
				}
				return
			}
			if !EqLists(back, c.routes) && !(len(back) == 1 && Eq(back[0], c.routes[0])) {
				t.Fatalf("round trip changed the routes: %s", String(back...))
			}
		})
	}
}

func TestFprintRejectsMissingIds(t *testing.T) {
	var b []byte
	w := writerFunc(func(p []byte) (int, error) { b = append(b, p...); return len(p), nil })
	if err := Fprint(w, PrettyPrintInfo{}, &Route{Id: "a"}, &Route{}); err != ErrMissingId {
		t.Fatalf("got %v, want ErrMissingId", err)
	}
	if err := Fprint(w, PrettyPrintInfo{}, &Route{}); err != nil || string(b) != "* -> \"\"\n" {
		t.Fatalf("single id-less route: %v %q", err, b)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestConformanceJSON(t *testing.T) {
	marshal := []struct {
		id   string
		v    any
		want string
	}{
		{"J01", []*Route{{BackendType: LoopBackend}}, `[{"backend":{"type":"loopback"}}]`},
		{"J02", &Route{Id: "foo", Backend: "127.0.0.1"}, `{"id":"foo","backend":{"type":"network","address":"127.0.0.1"}}`},
		{"J03", &Route{Id: "beef", BackendType: LBBackend, LBAlgorithm: "yolo", LBEndpoints: []*LBEndpoint{{Address: "localhost"}}},
			`{"id":"beef","backend":{"type":"lb","algorithm":"yolo","endpoints":["localhost"]}}`},
		{"J04", &Route{}, `{}`},
		{"J05", &Route{Predicates: []*Predicate{{Name: "Test"}}, Filters: []*Filter{{Name: "xsrf"}}}, `{"predicates":[{"name":"Test"}],"filters":[{"name":"xsrf"}]}`},
		{"nil-list", []*Route(nil), `null`},
		{"canonical", mustParse(t, `r: Path("/a") && Method("GET") && Host(/h/) && Weight(2) -> setPath("/<x>") -> <"http://b", "http://a?zone=z">`)[0],
			`{"id":"r","backend":{"type":"lb","endpoints":["http://a?zone=z","http://b"]},"predicates":[{"name":"Host","args":["h"]},{"name":"Method","args":["GET"]},{"name":"Path","args":["/a"]},{"name":"Weight","args":[2]}],"filters":[{"name":"setPath","args":["/<x>"]}]}`},
	}
	for _, c := range marshal {
		t.Run(c.id, func(t *testing.T) {
			got, err := json.Marshal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			// A default encoder escapes <, > and & again; compare decoded values.
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(c.want), &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("\n got %s\nwant %s", got, c.want)
			}
		})
	}

	t.Run("no-html-escape", func(t *testing.T) {
		r := &Route{Filters: []*Filter{{Name: "f", Args: []any{"<&>"}}}}
		b, err := r.MarshalJSON()
		if err != nil || string(b) != `{"filters":[{"name":"f","args":["<&>"]}]}` {
			t.Fatalf("got %s %v", b, err)
		}
	})

	t.Run("J06", func(t *testing.T) {
		var r Route
		err := json.Unmarshal([]byte(`{"backend":{"type":"foo"}}`), &r)
		if err == nil || err.Error() != "unsupported backend type: foo" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("J07", func(t *testing.T) {
		var r Route
		if err := json.Unmarshal([]byte(`{"id":"b"}`), &r); err != nil {
			t.Fatal(err)
		}
		if r.Id != "b" || r.BackendType != NetworkBackend || r.Backend != "" {
			t.Fatalf("got %#v", r)
		}
	})
	t.Run("unmarshal", func(t *testing.T) {
		var rs []*Route
		in := `[{"id":"a","backend":{"type":"lb","algorithm":"rr","endpoints":["http://x?zone=z1","http://y"]},"predicates":[{"name":"Path","args":["/p"]}],"filters":[{"name":"f","args":[1,"s"]}]},{"backend":{"type":"shunt","address":"ignored"}}]`
		if err := json.Unmarshal([]byte(in), &rs); err != nil {
			t.Fatal(err)
		}
		want := []*Route{
			{Id: "a", BackendType: LBBackend, LBAlgorithm: "rr", LBEndpoints: []*LBEndpoint{{Address: "http://x", Zone: "z1"}, {Address: "http://y"}},
				Predicates: []*Predicate{{Name: "Path", Args: []any{"/p"}}}, Filters: []*Filter{{Name: "f", Args: []any{1.0, "s"}}}},
			{BackendType: ShuntBackend},
		}
		if !reflect.DeepEqual(rs, want) {
			t.Fatalf("got %s", String(rs...))
		}
	})
	t.Run("round-trip", func(t *testing.T) {
		routes := mustParse(t, exampleDoc)
		_, back := jsonRoundTrip(t, routes)
		if !EqLists(routes, back) {
			t.Fatalf("JSON round trip changed routes:\n%s\n%s", String(routes...), String(back...))
		}
	})
}

const exampleDoc = `
// a commented document
api: Host(/^api[.]example[.]org$/) && PathSubtree("/v1") && Method("GET") && Header("X-A", "1")
  -> setRequestHeader("X-Route", "api")
  -> <roundRobin, "http://10.0.0.1:8080?zone=eu-1a", "http://10.0.0.2:8080">;
health: Path("/health") -> status(200) -> inlineContent("ok") -> <shunt>;
rx: PathRegexp(/^\/files\/[^\/]+$/) && HeaderRegexp("Accept", /json/) && HeaderRegexp("Accept", /utf-8/) -> "https://files.example.org";
loop: Path("/loop") -> setPath("/health") -> <loopback>;
dyn: Weight(-1.5) && True() -> <dynamic>;
fwd: * -> <forward>;
`

func TestEq(t *testing.T) {
	a := mustParse(t, `r: Method("GET") && Path("/a") -> <"http://b", "http://a">`)[0]
	b := &Route{Id: "r", Predicates: []*Predicate{{Name: "Path", Args: []any{"/a"}}, {Name: "Method", Args: []any{"GET"}}},
		BackendType: LBBackend, LBEndpoints: []*LBEndpoint{{Address: "http://a"}, {Address: "http://b"}}}
	if !Eq(a, b) {
		t.Fatal("lifted and generic predicates should be equal")
	}
	c := *b
	c.Id = "other"
	if Eq(a, &c) {
		t.Fatal("different ids are not equal")
	}
	if !EqLists([]*Route{a, &c}, []*Route{&c, b}) {
		t.Fatal("list equality is order independent")
	}
	if EqLists([]*Route{a, a}, []*Route{a, a}) {
		t.Fatal("lists with duplicate ids are never equal")
	}
	d := mustParse(t, `r: Path("/a") -> f(1) -> <shunt>`)[0]
	e := mustParse(t, `r: Path("/a") -> f("1") -> <shunt>`)[0]
	if Eq(d, e) {
		t.Fatal("number and string args differ")
	}
}

type textArg struct{ fail bool }

func (a textArg) MarshalText() ([]byte, error) {
	if a.fail {
		return nil, errors.New("no")
	}
	return []byte("as text"), nil
}

func TestPrintArgumentTypes(t *testing.T) {
	r := &Route{Filters: []*Filter{{Name: "f", Args: []any{
		textArg{}, textArg{fail: true}, true, []int{1}, 3, int64(-4), float32(0.5), uint(7),
	}}}, BackendType: ShuntBackend}
	want := `* -> f("as text", "[error]", "true", "[1]", 3, -4, 0.5, 7) -> <shunt>`
	if got := r.String(); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func TestHugeNumbersRoundTrip(t *testing.T) {
	huge := "1" + strings.Repeat("0", 400)
	routes := mustParse(t, "r: Foo("+huge+", -"+huge+") -> <shunt>")
	args := routes[0].Predicates[0].Args
	if !math.IsInf(args[0].(float64), 1) || !math.IsInf(args[1].(float64), -1) {
		t.Fatalf("got %v", args)
	}
	back := mustParse(t, String(routes...))
	if !Eq(routes[0], back[0]) {
		t.Fatalf("infinite values do not round trip: %s", String(back...))
	}
	nan := &Route{Filters: []*Filter{{Name: "f", Args: []any{math.NaN()}}}}
	if got := nan.String(); got != `* -> f("NaN") -> ""` {
		t.Fatalf("NaN prints as %s", got)
	}
}

func TestBackendTypeNames(t *testing.T) {
	for _, bt := range []BackendType{NetworkBackend, ShuntBackend, LoopBackend, DynamicBackend, LBBackend, ForwardBackend} {
		back, err := BackendTypeFromString(bt.String())
		if err != nil || back != bt {
			t.Fatalf("%v: %v %v", bt, back, err)
		}
	}
	if BackendType(42).String() != "BackendType(42)" {
		t.Fatal("unknown backend types print their number")
	}
}
