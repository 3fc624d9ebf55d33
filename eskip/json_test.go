package eskip

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// A document without routes is an empty list, so that its JSON is [] as
// with skipper, whose Parse makes the list with make.
func TestEmptyDocumentJSON(t *testing.T) {
	docs := []struct{ name, text string }{
		{"empty", ""},
		{"blank", " \t\n\n"},
		{"line comment", "// only a comment\n"},
		{"comments", "// one\n  // two\n// three"},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			parsers := map[string]func() ([]*Route, error){
				"Parse":         func() ([]*Route, error) { return Parse(d.text) },
				"ParseDocument": func() ([]*Route, error) { return ParseDocument("routes.eskip", []byte(d.text)) },
			}
			for name, parse := range parsers {
				routes, err := parse()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if routes == nil || len(routes) != 0 {
					t.Fatalf("%s: got %#v, want an empty non-nil list", name, routes)
				}
				b, err := json.Marshal(routes)
				if err != nil || string(b) != "[]" {
					t.Fatalf("%s: json.Marshal gives %s %v, want []", name, b, err)
				}
				var out bytes.Buffer
				if err := FprintJSON(&out, PrettyPrintInfo{}, routes...); err != nil || out.String() != "[]\n" {
					t.Fatalf("%s: FprintJSON gives %q %v", name, out.String(), err)
				}
			}
		})
	}
}

func TestFprintJSON(t *testing.T) {
	routes := mustParse(t, exampleDoc)
	tests := []struct {
		name   string
		info   PrettyPrintInfo
		routes []*Route
		want   string // exact output; "" checks the round trip only
	}{
		{name: "none", routes: nil, want: "[]\n"},
		{name: "none pretty", info: PrettyPrintInfo{Pretty: true, IndentStr: "  "}, want: "[]\n"},
		{name: "empty list", routes: []*Route{}, want: "[]\n"},
		{name: "one", routes: mustParse(t, `a: Path("/a") -> inlineContent("<&>") -> <shunt>`),
			want: `[{"id":"a","backend":{"type":"shunt"},"predicates":[{"name":"Path","args":["/a"]}],"filters":[{"name":"inlineContent","args":["<&>"]}]}]` + "\n"},
		{name: "one pretty", info: PrettyPrintInfo{Pretty: true, IndentStr: "\t"}, routes: mustParse(t, `a: * -> <shunt>`),
			want: "[\n\t{\n\t\t\"id\": \"a\",\n\t\t\"backend\": {\n\t\t\t\"type\": \"shunt\"\n\t\t}\n\t}\n]\n"},
		{name: "document", routes: routes},
		{name: "document pretty", info: PrettyPrintInfo{Pretty: true, IndentStr: "  "}, routes: routes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := FprintJSON(&out, tc.info, tc.routes...); err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && out.String() != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", out.String(), tc.want)
			}
			if !strings.HasSuffix(out.String(), "\n") {
				t.Fatalf("no trailing newline: %q", out.String())
			}
			var back []*Route
			if err := json.Unmarshal(out.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if back == nil || !EqLists(tc.routes, back) {
				t.Fatalf("round trip changed routes:\n%s\n%s", String(tc.routes...), String(back...))
			}
			// each element is the route's own MarshalJSON
			if !tc.info.Pretty && len(tc.routes) > 0 {
				var raw []json.RawMessage
				if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
					t.Fatal(err)
				}
				for i, r := range tc.routes {
					b, _ := r.MarshalJSON()
					if string(raw[i]) != string(b) {
						t.Fatalf("route %d: %s, MarshalJSON %s", i, raw[i], b)
					}
				}
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errShortWrite }

var errShortWrite = errors.New("short write")

func TestFprintJSONWriteError(t *testing.T) {
	if err := FprintJSON(failWriter{}, PrettyPrintInfo{}); err != errShortWrite {
		t.Fatalf("got %v", err)
	}
}
