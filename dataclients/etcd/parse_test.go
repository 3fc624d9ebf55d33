package etcd

import (
	"errors"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestParseValue(t *testing.T) {
	const key = "/skipper/routes/r1"
	for _, tc := range []struct {
		name, value string
		want        string // canonical expression of a valid value
		// for an invalid value: position and a part of the message
		line, column int
		msg          string
	}{
		{name: "expression", value: `Path("/a") -> setPath("/b") -> "http://x:8080"`, want: `Path("/a") -> setPath("/b") -> "http://x:8080"`},
		{name: "id in the value is ignored", value: `other: * -> <shunt>`, want: `* -> <shunt>`},
		{name: "trailing newline", value: "* -> <shunt>\n", want: `* -> <shunt>`},
		{name: "syntax error on line 2", value: "Path(\"/c\")\n  -> setPath(\"/x\" -> <shunt>", line: 2, column: 19, msg: `expected "," or ")"`},
		{name: "semantic error", value: `Path("/a") && Path("/b") -> <shunt>`, line: 1, column: 15, msg: "duplicate path"},
		{name: "no route", value: "// nothing here", line: 1, column: 1, msg: "no route"},
		{name: "empty", value: "", line: 1, column: 1, msg: "no route"},
		{name: "two routes", value: "a: * -> <shunt>;\nb: * -> <shunt>", line: 2, column: 1, msg: "2 routes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, inv := parseValue(key, "r1", tc.value)
			if tc.want != "" {
				if inv != nil {
					t.Fatalf("invalid: %v", inv.Err)
				}
				if r.Id != "r1" || r.String() != tc.want || r.Pos.Source != key {
					t.Fatalf("got id %q, %q, source %q; want r1, %q, %q", r.Id, r.String(), r.Pos.Source, tc.want, key)
				}
				return
			}
			if inv == nil {
				t.Fatalf("valid: %s", r.String())
			}
			if inv.Id != "r1" || inv.Pos.Source != key || inv.Pos.Line != tc.line || inv.Pos.Column != tc.column {
				t.Errorf("got %s at %+v, want r1 at %s:%d:%d", inv.Id, inv.Pos, key, tc.line, tc.column)
			}
			if !strings.Contains(inv.Err.Error(), tc.msg) {
				t.Errorf("message %q does not contain %q", inv.Err, tc.msg)
			}
			if strings.Contains(inv.Err.Error(), key) {
				t.Errorf("message %q repeats the position", inv.Err)
			}
		})
	}
}

func TestParseErrorUnwrapsToParserError(t *testing.T) {
	_, inv := parseValue("/k/routes/x", "x", "* -> ")
	var pe *eskip.ParseError
	if inv == nil || !errors.As(inv.Err, &pe) {
		t.Fatalf("want an *eskip.ParseError inside, got %v", inv)
	}
}

func TestIsSymbol(t *testing.T) {
	for id, want := range map[string]bool{
		"route1": true, "_x": true, "A_b9": true,
		"": false, "9lives": false, "my-route": false, "a.b": false, "ümlaut": false,
	} {
		if got := isSymbol(id); got != want {
			t.Errorf("isSymbol(%q) = %v, want %v", id, got, want)
		}
	}
}
