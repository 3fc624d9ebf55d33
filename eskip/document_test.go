package eskip

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDocumentPositions(t *testing.T) {
	doc := "// header\nr1: * -> <shunt>;\n\n  r2: Path(\"/a\")\n    -> \"http://x\";\r\nr3: * -> <loopback>"
	routes, err := ParseDocument("routes.eskip", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []Position{
		{Source: "routes.eskip", Line: 2, Column: 1, Offset: 10},
		{Source: "routes.eskip", Line: 4, Column: 3, Offset: 31},
		{Source: "routes.eskip", Line: 6, Column: 1, Offset: 66},
	}
	if len(routes) != len(want) {
		t.Fatalf("got %d routes", len(routes))
	}
	for i, r := range routes {
		if r.Pos != want[i] {
			t.Errorf("route %s: pos %+v, want %+v", r.Id, r.Pos, want[i])
		}
		if doc[r.Pos.Offset:r.Pos.Offset+len(r.Id)] != r.Id {
			t.Errorf("offset of %s does not point at its id", r.Id)
		}
	}
	bare, err := ParseDocument("x", []byte("\n\n  * -> <shunt>"))
	if err != nil || bare[0].Pos != (Position{Source: "x", Line: 3, Column: 3, Offset: 4}) {
		t.Fatalf("bare route: %+v %v", bare, err)
	}
	plain, _ := Parse(doc)
	if plain[1].Pos != (Position{}) {
		t.Fatalf("Parse sets no position, got %+v", plain[1].Pos)
	}
}

func TestParseDocumentErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string // Error() of each reported error
	}{
		{"example", "api: Path(\"/x\") => \"http://a\";",
			[]string{`routes.eskip:1:17: route "api": expected "->" or "&&" after Path("/x"), found "=>"`}},
		{"several", "a: * -> <shunt>;\nb: Path(\"/b\") -> ;\nc: * -> <shunt>;\nd: Foo( -> <shunt>;\ne: Method(1) -> <shunt>",
			[]string{
				`routes.eskip:2:18: route "b": expected a filter or a backend after "->", found ";"`,
				`routes.eskip:4:9: route "d": expected an argument (number, string or regexp) after "(", found "->"`,
				`routes.eskip:5:4: route "e": Method predicate expects 1 string argument`,
			}},
		{"lexical", "a: * -> <shunt>;\nb: Foo(1.) -> <shunt>;\nc: * -> <shunt>; #",
			[]string{
				`routes.eskip:2:8: route "b": invalid number "1.": a number cannot end in "."`,
				`routes.eskip:3:18: unexpected character "#"`,
			}},
		{"unterminated", "a: * -> \"http://x;\nb: * -> <shunt>;",
			[]string{`routes.eskip:1:9: route "a": unterminated string literal`}},
		{"semantic", "a: Path(\"/a\") && Path(\"/b\") -> <shunt>;\nb: * -> <\"x\">;\nc: Header(\"A\", \"1\") && Header(\"A\", \"2\") -> <shunt>",
			[]string{
				`routes.eskip:1:18: route "a": duplicate path tree predicate`,
				`routes.eskip:2:10: route "b": load balancer endpoint "x": want an address such as "http://host:port" (parse "x": invalid URI for request)`,
				`routes.eskip:3:24: route "c": duplicate header predicate: A`,
			}},
		{"missing separator", "a: * -> <shunt>\nb: * -> <shunt>",
			[]string{`routes.eskip:2:1: route "a": expected ";" or end of input after "<shunt>", found "b"`}},
		{"load balancer", "a: * -> <roundRobin, \"http://a\", \"https://b\">;\nb: * -> <roundrobin>;\nc: * -> <shunt, \"http://a\", \"b c\">",
			[]string{
				`routes.eskip:1:34: route "a": load balancer endpoint "https://b": scheme "https" differs from the first endpoint's "http"; endpoints cannot mix protocols`,
				`routes.eskip:2:20: route "b": unknown backend <roundrobin>: want <shunt>, <loopback>, <dynamic>, <forward>, or a load balancer <algorithm, "http://host:port", ...>`,
				`routes.eskip:3:29: route "c": load balancer endpoint "b c": want an address such as "http://host:port" (parse "b c": invalid URI for request)`,
			}},
		{"bare then more", "* -> <shunt>; b: * -> <shunt>",
			[]string{`routes.eskip:1:13: expected end of input (several routes need ids: "id: route;") after "<shunt>", found ";"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			routes, err := ParseDocument("routes.eskip", []byte(c.doc))
			if err == nil || routes != nil {
				t.Fatalf("expected errors, got %d routes", len(routes))
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe != list[0] {
				t.Fatalf("errors.As does not find the first *ParseError")
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if err.Error() != strings.Join(c.want, "\n") {
				t.Fatalf("ErrorList.Error() = %q", err.Error())
			}
		})
	}
}

func TestErrorLimit(t *testing.T) {
	doc := strings.Repeat("r: * -> ;\n", 30)
	_, err := ParseDocument("many.eskip", []byte(doc))
	if n := len(Errors(err)); n != MaxErrors {
		t.Fatalf("got %d errors, want %d", n, MaxErrors)
	}
}

func TestSkipperMessageAndPositionedForm(t *testing.T) {
	doc := "r1: Path(\"/foo\") -> <shunt>;\n r2: Path(\"/bar\") -> #"
	_, err := Parse(doc)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse error is %T", err)
	}
	const skipper = "parse failed after token ->, last route id: r2, position 50: syntax error"
	if err.Error() != skipper || pe.SkipperMessage() != skipper {
		t.Fatalf("got %q", err.Error())
	}
	if pe.Line != 2 || pe.Column != 22 || pe.Offset != 50 || pe.RouteId != "r2" {
		t.Fatalf("position %d:%d offset %d route %q", pe.Line, pe.Column, pe.Offset, pe.RouteId)
	}
	if got := pe.Positioned(); got != `2:22: route "r2": expected a filter or a backend after "->", found "#"` {
		t.Fatalf("positioned %q", got)
	}
	_, derr := ParseDocument("f.eskip", []byte(doc))
	if l := Errors(derr); len(l) != 1 || l[0].SkipperMessage() != skipper {
		t.Fatalf("ParseDocument keeps the skipper message: %v", derr)
	}
}

func TestRender(t *testing.T) {
	doc := "a: * -> <shunt>;\n\tb: Path(\"/x\") => \"http://a\";\r\n"
	_, err := ParseDocument("routes.eskip", []byte(doc))
	got := Render(err, []byte(doc))
	want := "routes.eskip:2:16: route \"b\": expected \"->\" or \"&&\" after Path(\"/x\"), found \"=>\"\n" +
		"    \tb: Path(\"/x\") => \"http://a\";\n" +
		"    \t              ^\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if Render(errors.New("plain"), nil) != "plain\n" || Render(nil, nil) != "" {
		t.Fatal("errors without position render as their text")
	}
}
