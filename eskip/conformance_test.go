package eskip

import (
	"reflect"
	"strings"
	"testing"
)

// docCase is a conformance case for Parse: skipper's parser gives the
// same result (or the same error) for the same text.
type docCase struct {
	id    string
	input string
	want  []*Route // nil with err == "" means zero routes
	err   string   // "" for success; exact message, or "…suffix" / "~substring"
	fail  bool     // an error whose text the spec leaves open
}

func shunt(id string) *Route { return &Route{Id: id, BackendType: ShuntBackend} }

func checkErr(t *testing.T, id string, err error, want string, fail bool) {
	t.Helper()
	if want == "" && !fail {
		if err != nil {
			t.Fatalf("%s: unexpected error: %v", id, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("%s: expected an error (%q), got none", id, want)
	}
	got := err.Error()
	switch {
	case want == "":
	case strings.HasPrefix(want, "…"):
		if !strings.HasSuffix(got, strings.TrimPrefix(want, "…")) {
			t.Fatalf("%s: error %q, want suffix %q", id, got, want)
		}
	case strings.HasPrefix(want, "~"):
		if !strings.Contains(got, want[1:]) {
			t.Fatalf("%s: error %q, want it to contain %q", id, got, want[1:])
		}
	default:
		if got != want {
			t.Fatalf("%s: error\n got %q\nwant %q", id, got, want)
		}
	}
}

func TestConformanceDocuments(t *testing.T) {
	bt := "`"
	cases := []docCase{
		{id: "C01", input: ""},
		{id: "C02", input: "// only comment"},
		{id: "C03", input: ";;"},
		{id: "C04", input: `* -> <shunt>`, want: []*Route{shunt("")}},
		{id: "C05", input: `* -> <shunt>;`, fail: true},
		{id: "C06", input: `r: * -> <shunt>`, want: []*Route{shunt("r")}},
		{id: "C07", input: `r1: * -> <shunt>;; r2: * -> <shunt>`, want: []*Route{shunt("r1"), shunt("r2")}},
		{id: "C08", input: `r1: * -> <shunt> r2: * -> <shunt>`, err: "parse failed after token r2, last route id: r1, position 19: syntax error"},
		{id: "C09", input: `r: * -> <shunt>; * -> <shunt>`, fail: true},
		{id: "C10", input: `my-route: * -> <shunt>`, err: "parse failed after token my, position 2: syntax error"},
		{id: "C11", input: `_r1: * -> <shunt>`, want: []*Route{shunt("_r1")}},
		{id: "C12", input: `1r: * -> <shunt>`, fail: true},
		{id: "C13", input: `r:*->f()-><shunt>`, want: []*Route{{Id: "r", Filters: []*Filter{{Name: "f"}}, BackendType: ShuntBackend}}},
		{id: "C14", input: `r: Foo() -> <shunt>`, want: []*Route{{Id: "r", Predicates: []*Predicate{{Name: "Foo"}}, BackendType: ShuntBackend}}},
		{id: "C15", input: `r: Foo -> <shunt>`, fail: true},
		{id: "C16", input: `r: Foo(,"x") -> <shunt>`, want: []*Route{{Id: "r", Predicates: []*Predicate{{Name: "Foo", Args: []any{"x"}}}, BackendType: ShuntBackend}}},
		{id: "C17", input: `r: Foo("a",) -> <shunt>`, fail: true},
		{id: "C18", input: `r: Foo(.5, -.5, -3, 3.25, 007) -> <shunt>`, want: []*Route{{Id: "r", Predicates: []*Predicate{{Name: "Foo", Args: []any{0.5, -0.5, -3.0, 3.25, 7.0}}}, BackendType: ShuntBackend}}},
		{id: "C19", input: `r: Foo(1.) -> <shunt>`, err: "…position 9: incomplete token"},
		{id: "C20", input: `r: Foo(1e3) -> <shunt>`, fail: true},
		{id: "C21", input: `r: Foo(1.2.3) -> <shunt>`, fail: true},
		{id: "C22", input: `r: Foo(+1) -> <shunt>`, fail: true},
		{id: "C23", input: `r: Foo("a\"b", ` + bt + `c\` + bt + `d` + bt + `, "\x", "\\", "\n\t") -> <shunt>`,
			want: []*Route{{Id: "r", Predicates: []*Predicate{{Name: "Foo", Args: []any{`a"b`, "c`d", `\x`, `\`, "\n\t"}}}, BackendType: ShuntBackend}}},
		{id: "C24", input: `r: Foo(` + bt + `a"b` + bt + `) -> <shunt>`, want: []*Route{{Id: "r", Predicates: []*Predicate{{Name: "Foo", Args: []any{`a"b`}}}, BackendType: ShuntBackend}}},
		{id: "C25", input: `Path("newlines") -> inlineContent("Line \ \1\nLine 2\r\nLine 3\a\b\f\n\r\t\v") -> <shunt>`,
			want: []*Route{{Path: "newlines", Filters: []*Filter{{Name: "inlineContent", Args: []any{"Line \\ \\1\nLine 2\r\nLine 3\a\b\f\n\r\t\v"}}}, BackendType: ShuntBackend}}},
		{id: "C26", input: `r: Foo("unterminated) -> <shunt>`, fail: true},
		{id: "C27", input: `r: Foo(/a\/b/, /[/]/, /\d+/, /\\/) -> <shunt>`, want: []*Route{{Id: "r", Predicates: []*Predicate{{Name: "Foo", Args: []any{"a/b", "[/]", `\d+`, `\`}}}, BackendType: ShuntBackend}}},
		{id: "C28", input: `PathRegexp(/[\\]/) -> <shunt>`, want: []*Route{{PathRegexps: []string{`[\]`}, BackendType: ShuntBackend}}},
		{id: "C29", input: `PathRegexp(/[\"]/) -> <shunt>`, want: []*Route{{PathRegexps: []string{`[\"]`}, BackendType: ShuntBackend}}},
		{id: "C30", input: `PathRegexp(/[[:upper:]]/) -> <shunt>`, want: []*Route{{PathRegexps: []string{`[[:upper:]]`}, BackendType: ShuntBackend}}},
		{id: "C31", input: `r: Foo(//) -> <shunt>`, fail: true},
		{id: "C32", input: `r: * /* no */ -> <shunt>`, fail: true},
		{id: "C33", input: `r: * -> <shunt>; # hash`, err: "…unexpected token"},
		{id: "C34", input: `r: * && Foo("a") && * -> <shunt>`, want: []*Route{{Id: "r", Predicates: []*Predicate{{Name: "Foo", Args: []any{"a"}}}, BackendType: ShuntBackend}}},
		{id: "C35", input: `r: Any() -> <shunt>`, want: []*Route{shunt("r")}},
		{id: "C36", input: `Path("/one") && Path("/two") -> "https://x"`, err: "duplicate path tree predicate"},
		{id: "C37", input: `Method("HEAD") && Method("GET") -> "https://x"`, err: "duplicate method predicate"},
		{id: "C38", input: `r: Header("A", "1") && Header("A", "2") -> <shunt>`, err: "duplicate header predicate: A"},
		{id: "C39", input: `r: Header("A", "1") && Header("a", "2") -> <shunt>`, want: []*Route{{Id: "r", Headers: map[string]string{"A": "1", "a": "2"}, BackendType: ShuntBackend}}},
		{id: "C40", input: `foo: Path("/endpoint") && Header("Foo") -> "https://x";`, err: `invalid route "foo": Header predicate expects 2 string arguments`},
		{id: "C41", input: `Path("/endpoint") && Method("GET", "POST") -> "https://x"`, err: `invalid route "": Method predicate expects 1 string argument`},
		{id: "C42", input: `r: Path(/regex/) -> <shunt>`, want: []*Route{{Id: "r", Path: "regex", BackendType: ShuntBackend}}},
		{id: "C43", input: `r: Path("/a") && PathSubtree("/b") -> <shunt>`, want: []*Route{{Id: "r", Path: "/a", Predicates: []*Predicate{{Name: "PathSubtree", Args: []any{"/b"}}}, BackendType: ShuntBackend}}},
		{id: "C44", input: `HeaderRegexp("H0","v0") && HeaderRegexp("H0","v1") && HeaderRegexp("H1","v2") -> "https://x"`,
			want: []*Route{{HeaderRegexps: map[string][]string{"H0": {"v0", "v1"}, "H1": {"v2"}}, Backend: "https://x"}}},
		{id: "C45", input: `Host(/^www[.]/) && Host(/[.]org$/) -> "https://x"`, want: []*Route{{HostRegexps: []string{`^www[.]`, `[.]org$`}, Backend: "https://x"}}},
		{id: "C46", input: `Weight(50) -> "https://x"`, want: []*Route{{Predicates: []*Predicate{{Name: "Weight", Args: []any{50.0}}}, Backend: "https://x"}}},
		{id: "C47", input: `r: * -> "not a url"`, want: []*Route{{Id: "r", Backend: "not a url"}}},
		{id: "C48", input: `r: * -> ""`, want: []*Route{{Id: "r"}}},
		{id: "C49", input: "r: * -> `http://a`", want: []*Route{{Id: "r", Backend: "http://a"}}},
		{id: "C50", input: `* -> setRequestHeader("X-Foo", "bar") -> <loopback>`, want: []*Route{{Filters: []*Filter{{Name: "setRequestHeader", Args: []any{"X-Foo", "bar"}}}, BackendType: LoopBackend}}},
		{id: "C51", input: `r: * -> <forward>`, want: []*Route{{Id: "r", BackendType: ForwardBackend}}},
		{id: "C52", input: `r: * -> < shunt >`, fail: true},
		{id: "C53", input: `* -> <"https://example.org">`, want: []*Route{{BackendType: LBBackend, LBEndpoints: []*LBEndpoint{{Address: "https://example.org"}}}}},
		{id: "C54", input: `* -> <algFoo, "https://e1.org", "https://e2.org">`, want: []*Route{{BackendType: LBBackend, LBAlgorithm: "algFoo", LBEndpoints: []*LBEndpoint{{Address: "https://e1.org"}, {Address: "https://e2.org"}}}}},
		{id: "C55a", input: `* -> <>`, fail: true},
		{id: "C55b", input: `* -> <   >`, fail: true},
		{id: "C55c", input: `* -> <roundRobin>`, fail: true},
		{id: "C56", input: `r: * -> <"http://a", roundRobin>`, fail: true},
		{id: "C57", input: `* -> <roundRobin, "http://localhost:80", "fastcgi://localhost:80">`, err: "loadbalancer endpoints cannot have mixed protocols"},
		{id: "C58", input: `r: * -> <"a">`, err: `parse "a": invalid URI for request`},
		{id: "C59", input: `r: * -> <roundRobin, "http://a?zone=eu-1a", "http://b">`,
			want: []*Route{{Id: "r", BackendType: LBBackend, LBAlgorithm: "roundRobin", LBEndpoints: []*LBEndpoint{{Address: "http://a", Zone: "eu-1a"}, {Address: "http://b"}}}}},
		{id: "C60", input: `r: * -> f() -> <shunt> -> g()`, fail: true},
		{id: "C61", input: `r: * -> "http://a" -> <shunt>`, fail: true},
		{id: "C62", input: "route: Any() -> <shunt>; // some comment", want: []*Route{shunt("route")}},
		{id: "C63", input: "r: * -> <shunt> // x\r\n; r2: * -> <shunt>", want: []*Route{shunt("r"), shunt("r2")}},
		{id: "C64", input: `r: * -> <shunt>; r: * -> "http://a";`, want: []*Route{shunt("r"), {Id: "r", Backend: "http://a"}}},
		{id: "C65", input: `shunt: * -> <shunt>`, want: []*Route{shunt("shunt")}},
		// §5 examples
		{id: "E1", input: `fooId: * -> #`, err: "parse failed after token ->, last route id: fooId, position 12: syntax error"},
		{id: "E2", input: `* -> #`, err: "parse failed after token ->, position 5: syntax error"},
		{id: "E3", input: `r1: Path("/foo") -> <shunt>; r2: Path("/bar") -> #`, err: "parse failed after token ->, last route id: r2, position 49: syntax error"},
		{id: "E4", input: `r: Foo(&) -> <shunt>`, err: "…syntax error"},
		{id: "E5", input: `r: * -> <shunt> /`, err: "…invalid character"},
		{id: "E6", input: `  # hash`, err: "parse failed after token , position 2: unexpected token"},
		{id: "E7", input: `/`, err: "parse failed after token , position 0: invalid character"},
		{id: "E8", input: `"abc`, err: "parse failed after token , position 4: incomplete token"},
		// §9 checklist items not covered above
		{id: "L11", input: `r:Path("/x")&&Method("GET")->f()->"http://a"`, want: []*Route{{Id: "r", Path: "/x", Method: "GET", Filters: []*Filter{{Name: "f"}}, Backend: "http://a"}}},
		{id: "L12", input: `r : * -> <shunt>`, want: []*Route{shunt("r")}},
		{id: "L13", input: `r: * -> <Shunt>`, fail: true},
		{id: "L16", input: `r: Foo(,,"x") -> <shunt>`, fail: true},
		{id: "L17", input: " \t\n", want: nil},
		{id: "L22a", input: "r:\xa0* -> <shunt>", want: []*Route{shunt("r")}},
		{id: "L22b", input: "r:\xc2\xa0* -> <shunt>", fail: true},
		{id: "L9a", input: `r: Foo(-) -> <shunt>`, fail: true},
		{id: "L9b", input: `r: Foo(- 1) -> <shunt>`, fail: true},
		{id: "L9c", input: `r: Foo(0x1) -> <shunt>`, fail: true},
		{id: "L9d", input: `r: Foo(-.) -> <shunt>`, err: "…incomplete token"},
		{id: "L20", input: `r1: * -> <shunt>; r2: Path(1) -> <shunt>`, err: `invalid route "r2": Path predicate expects 1 string argument`},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			routes, err := Parse(c.input)
			checkErr(t, c.id, err, c.err, c.fail)
			if err != nil {
				if routes != nil {
					t.Fatalf("routes returned with error")
				}
				return
			}
			if len(routes) != len(c.want) {
				t.Fatalf("got %d routes, want %d", len(routes), len(c.want))
			}
			for i, r := range routes {
				if !reflect.DeepEqual(r, c.want[i]) {
					t.Errorf("route %d:\n got %#v\nwant %#v", i, r, c.want[i])
				}
			}
		})
	}
}

func TestConformancePredicates(t *testing.T) {
	cases := []struct {
		id, input string
		want      []*Predicate
		err       string
		fail      bool
	}{
		{id: "C66a", input: ""},
		{id: "C66b", input: "*"},
		{id: "C66c", input: "* && *"},
		{id: "C66d", input: "///"},
		{id: "C67", input: `Foo("bar") && Baz("qux") // trailing`, want: []*Predicate{{Name: "Foo", Args: []any{"bar"}}, {Name: "Baz", Args: []any{"qux"}}}},
		{id: "C68", input: `not predicates`, err: "parse failed after token predicates, position 14: syntax error"},
		{id: "C69", input: `Header#`, err: "parse failed after token Header, position 6: syntax error"},
		{id: "C70", input: `Foo(-.3)`, want: []*Predicate{{Name: "Foo", Args: []any{-0.3}}}},
		{id: "C71", input: `Any()`, want: []*Predicate{{Name: "Any"}}},
		{id: "C72", input: `Path("/a") && Path("/b")`, want: []*Predicate{{Name: "Path", Args: []any{"/a"}}, {Name: "Path", Args: []any{"/b"}}}},
		{id: "C73", input: `A() -> B()`, fail: true},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			got, err := ParsePredicates(c.input)
			checkErr(t, c.id, err, c.err, c.fail)
			if err != nil {
				return
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d predicates, want %d", len(got), len(c.want))
			}
			if len(got) > 0 && !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestConformanceFilters(t *testing.T) {
	cases := []struct {
		id, input string
		want      []*Filter
		err       string
		fail      bool
	}{
		{id: "C74a", input: " \t"},
		{id: "C74b", input: "// a comment"},
		{id: "C75", input: `filter1(3.14) -> filter2("key", 42)`, want: []*Filter{{Name: "filter1", Args: []any{3.14}}, {Name: "filter2", Args: []any{"key", 42.0}}}},
		{id: "C76", input: `filter1(-42, -3.14)`, want: []*Filter{{Name: "filter1", Args: []any{-42.0, -3.14}}}},
		{id: "C77a", input: `f(-)`, fail: true},
		{id: "C77b", input: `f(-.)`, fail: true},
		{id: "C77c", input: `f(-x)`, fail: true},
		{id: "C78a", input: `a(1) b(2)`, fail: true},
		{id: "C78b", input: `a() -> `, fail: true},
		{id: "C78c", input: `a() && b()`, fail: true},
		{id: "C78d", input: `a(); b()`, fail: true},
		{id: "C78e", input: `a() -> <shunt>`, fail: true},
		{id: "C79", input: "a() // x\n -> b()", want: []*Filter{{Name: "a"}, {Name: "b"}}},
		{id: "E-trallala", input: "trallala", err: "parse failed after token trallala, position 8: syntax error"},
		{id: "E-foo-bar", input: "foo-bar", err: "parse failed after token foo, position 3: syntax error"},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			got, err := ParseFilters(c.input)
			checkErr(t, c.id, err, c.err, c.fail)
			if err != nil {
				return
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d filters, want %d", len(got), len(c.want))
			}
			if len(got) > 0 && !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
		})
	}
}
