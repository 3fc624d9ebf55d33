package eskip

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are inputs the fuzzer starts from, in addition to the files in
// testdata/fuzz/FuzzParse (which hold the inputs it found problems with).
var fuzzSeeds = []string{
	"",
	"// only comment",
	";;",
	`* -> <shunt>`,
	`r1: * -> <shunt>;; r2: * -> <shunt>`,
	`r:*->f()-><shunt>`,
	`r: Foo(,"x") -> <shunt>`,
	`r: Foo(.5, -.5, -3, 3.25, 007) -> <shunt>`,
	"r: Foo(\"a\\\"b\", `c\\`d`, \"\\x\", \"\\\\\", \"\\n\\t\") -> <shunt>",
	`r: Foo(/a\/b/, /[/]/, /\d+/, /\\/) -> <shunt>`,
	`PathRegexp(/[[:upper:]]/) -> <shunt>`,
	`r: Header("A", "1") && Header("a", "2") -> <shunt>`,
	`HeaderRegexp("H0","v0") && HeaderRegexp("H0","v1") && HeaderRegexp("H1","v2") -> "https://x"`,
	`Host(/^www[.]/) && Host(/[.]org$/) -> "https://x"`,
	`r: * -> <roundRobin, "http://a?zone=eu-1a", "http://b">`,
	`* -> <algFoo, "https://e1.org", "https://e2.org">`,
	"r: * -> <shunt> // x\r\n; r2: * -> <shunt>",
	`r: Path("/a") && PathSubtree("/b") && Method("GET") -> setPath("/x") -> <loopback>`,
	`r: * -> <forward>; d: * -> <dynamic>`,
	`r1: * -> <shunt> r2: * -> <shunt>`,
	`r: Foo(1.) -> <shunt>`,
	exampleDoc,
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		routes, err := Parse(doc)
		_, derr := ParseDocument("fuzz.eskip", []byte(doc))
		if (err == nil) != (derr == nil) {
			t.Fatalf("Parse and ParseDocument disagree: %v / %v", err, derr)
		}
		for _, e := range Errors(derr) {
			if e.Offset < 0 || e.Offset > len(doc) || e.Line < 1 || e.Column < 1 {
				t.Fatalf("bad error position %+v", e)
			}
			_ = Render(derr, []byte(doc))
		}
		_, _ = ParsePredicates(doc)
		_, _ = ParseFilters(doc)
		if err != nil {
			return
		}
		for _, pretty := range []bool{false, true} {
			text := Print(PrettyPrintInfo{Pretty: pretty, IndentStr: "  "}, routes...)
			back, err := Parse(text)
			if err != nil {
				t.Fatalf("printed document does not parse: %v\ninput:   %q\nprinted: %q", err, doc, text)
			}
			if len(back) != len(routes) {
				t.Fatalf("round trip: %d routes, want %d\nprinted: %q", len(back), len(routes), text)
			}
			for i := range routes {
				if !Eq(routes[i], back[i]) {
					t.Fatalf("round trip changed route %d\ninput:   %q\nprinted: %q\nback:    %q", i, doc, text, String(back...))
				}
			}
		}
		// JSON strings cannot carry invalid UTF-8.
		if !utf8.ValidString(doc) {
			return
		}
		if b, err := json.Marshal(routes); err == nil {
			var back []*Route
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("JSON does not unmarshal: %v\n%s", err, b)
			}
			for i := range routes {
				if !Eq(routes[i], back[i]) {
					t.Fatalf("JSON round trip changed route %d\ninput: %q\njson:  %s", i, doc, b)
				}
			}
		}
	})
}
