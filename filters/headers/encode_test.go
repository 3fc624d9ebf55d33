package headers

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func encodingSpec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, EncodingSpecs(), name)
}

func TestEncodingSpecNames(t *testing.T) {
	var names []string
	for _, s := range EncodingSpecs() {
		names = append(names, s.Name())
	}
	want := []string{"encodeRequestHeader", "encodeResponseHeader",
		"encodeBase64RequestHeader", "encodeBase64ResponseHeader",
		"decodeBase64RequestHeader", "decodeBase64ResponseHeader"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("got %v", names)
	}
	for _, s := range Specs() {
		for _, n := range want {
			if s.Name() == n {
				t.Errorf("%s is in both Specs and EncodingSpecs", n)
			}
		}
	}
}

func TestEncodingFilters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		filter string
		args   []any
		in     []string // values of X-Foo; nil: absent
		want   []string // nil: absent
		warn   bool     // a warning is logged
	}{
		// Character sets.
		{name: "windows1252 umlaut", filter: "encodeRequestHeader", args: []any{"X-Foo", "Windows1252"},
			in: []string{"Ärger"}, want: []string{"\xc4rger"}},
		{name: "windows1252 euro", filter: "encodeRequestHeader", args: []any{"X-Foo", "Windows1252"},
			in: []string{"5 €"}, want: []string{"5 \x80"}},
		{name: "ascii stays", filter: "encodeRequestHeader", args: []any{"x-foo", "ISO8859_1"},
			in: []string{"plain text"}, want: []string{"plain text"}},
		{name: "iso8859_15 euro", filter: "encodeRequestHeader", args: []any{"X-Foo", "ISO8859_15"},
			in: []string{"€"}, want: []string{"\xa4"}},
		{name: "koi8r", filter: "encodeRequestHeader", args: []any{"X-Foo", "KOI8R"},
			in: []string{"Жук"}, want: []string{"\xf6\xd5\xcb"}},
		{name: "ebcdic", filter: "encodeRequestHeader", args: []any{"X-Foo", "CodePage037"},
			in: []string{"abc 1"}, want: []string{"\x81\x82\x83\x40\xf1"}},
		{name: "not in the set empties", filter: "encodeRequestHeader", args: []any{"X-Foo", "ISO8859_1"},
			in: []string{"5 €"}, want: []string{""}, warn: true},
		{name: "not utf-8 empties", filter: "encodeRequestHeader", args: []any{"X-Foo", "Windows1252"},
			in: []string{"a\xffb"}, want: []string{""}, warn: true},
		{name: "control byte result empties", filter: "encodeRequestHeader", args: []any{"X-Foo", "CodePage037"},
			in: []string{`"`}, want: []string{""}, warn: true}, // '"' is 0x7f in EBCDIC
		{name: "first value only", filter: "encodeRequestHeader", args: []any{"X-Foo", "Windows1252"},
			in: []string{"ä", "ö"}, want: []string{"\xe4"}},
		{name: "empty value untouched", filter: "encodeRequestHeader", args: []any{"X-Foo", "Windows1252"},
			in: []string{"", "ö"}, want: []string{"", "ö"}},
		{name: "absent", filter: "encodeRequestHeader", args: []any{"X-Foo", "Windows1252"}},
		{name: "response", filter: "encodeResponseHeader", args: []any{"X-Foo", "Windows1251"},
			in: []string{"Привет"}, want: []string{"\xcf\xf0\xe8\xe2\xe5\xf2"}},

		// Base64, skipper's documented examples.
		{name: "decode", filter: "decodeBase64RequestHeader", args: []any{"X-Foo"},
			in: []string{"dXNlcjpwYXNzd29yZA=="}, want: []string{"user:password"}},
		{name: "decode bearer in basic", filter: "decodeBase64RequestHeader", args: []any{"Authorization", 1.0},
			in: []string{"Basic dG9rZW4xMjM="}, want: []string{"Basic token123"}},
		{name: "decode part 2", filter: "decodeBase64RequestHeader", args: []any{"X-Foo", 2.0},
			in: []string{"a  b\tYw=="}, want: []string{"a b c"}},
		{name: "decode part 0", filter: "decodeBase64RequestHeader", args: []any{"X-Foo", 0},
			in: []string{"QmFzaWM= Y3JlZGVudGlhbHM="}, want: []string{"Basic Y3JlZGVudGlhbHM="}},
		{name: "decode invalid kept", filter: "decodeBase64RequestHeader", args: []any{"X-Foo"},
			in: []string{"invalid!!!base64"}, want: []string{"invalid!!!base64"}, warn: true},
		{name: "decode part out of range kept", filter: "decodeBase64RequestHeader", args: []any{"X-Foo", 5.0},
			in: []string{"Bearer token"}, want: []string{"Bearer token"}, warn: true},
		{name: "decode negative part kept", filter: "decodeBase64RequestHeader", args: []any{"X-Foo", -1.0},
			in: []string{"Bearer dG9rZW4="}, want: []string{"Bearer dG9rZW4="}, warn: true},
		{name: "decode to line break kept", filter: "decodeBase64RequestHeader", args: []any{"X-Foo"},
			in: []string{"YQ0KWC1FdmlsOiAx"}, want: []string{"YQ0KWC1FdmlsOiAx"}, warn: true}, // "a\r\nX-Evil: 1"
		{name: "decode empty untouched", filter: "decodeBase64RequestHeader", args: []any{"X-Foo"},
			in: []string{""}, want: []string{""}},
		{name: "decode response", filter: "decodeBase64ResponseHeader", args: []any{"X-Foo"},
			in: []string{"aGVsbG8="}, want: []string{"hello"}},
		{name: "encode", filter: "encodeBase64RequestHeader", args: []any{"X-Foo"},
			in: []string{"user:password"}, want: []string{"dXNlcjpwYXNzd29yZA=="}},
		{name: "encode part 1", filter: "encodeBase64RequestHeader", args: []any{"Authorization", 1.0},
			in: []string{"Basic user:pw"}, want: []string{"Basic dXNlcjpwdw=="}},
		{name: "encode part out of range kept", filter: "encodeBase64RequestHeader", args: []any{"X-Foo", 2.0},
			in: []string{"a b"}, want: []string{"a b"}, warn: true},
		{name: "encode first value only", filter: "encodeBase64RequestHeader", args: []any{"X-Foo"},
			in: []string{"a", "b"}, want: []string{"YQ=="}},
		{name: "encode response", filter: "encodeBase64ResponseHeader", args: []any{"X-Foo", 0.0},
			in: []string{"x y"}, want: []string{"eA== y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			response := strings.Contains(tc.filter, "Response")
			h := http.Header{}
			if tc.in != nil {
				h["X-Foo"] = tc.in
				h["Authorization"] = tc.in
			}
			other := h.Clone()
			r := httptest.NewRequest("GET", "http://in.example.org/", nil)
			ctx := filtertest.NewContext(r)
			ctx.FResponse = &http.Response{StatusCode: 200, Header: other.Clone()}
			r.Header = other.Clone()
			if response {
				ctx.FResponse.Header = h
			} else {
				r.Header = h
			}
			f := filtertest.Create(t, encodingSpec(t, tc.filter), tc.args...)
			f.Request(ctx)
			f.Response(ctx)
			name := "X-Foo"
			if tc.args[0] == "Authorization" {
				name = "Authorization"
			}
			if got := h[name]; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s = %q, want %q", name, got, tc.want)
			}
			// The other phase's headers are not touched.
			untouched := r.Header
			if !response {
				untouched = ctx.FResponse.Header
			}
			if !reflect.DeepEqual(untouched, other) {
				t.Errorf("other phase's headers changed: %q", untouched)
			}
			if warned := len(ctx.Log) > 0; warned != tc.warn {
				t.Errorf("log %q, want a warning: %v", ctx.Log, tc.warn)
			}
			for _, l := range ctx.Log {
				if !strings.HasPrefix(l, "warn: "+tc.filter+": header "+name+": ") {
					t.Errorf("log line %q", l)
				}
			}
		})
	}
}

func TestEncodingEveryCharset(t *testing.T) {
	// Every name skipper accepts works, and ASCII letters come out as
	// themselves in the ASCII-based sets.
	for name := range charmaps {
		f := filtertest.Create(t, encodingSpec(t, "encodeRequestHeader"), "X-Foo", name)
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Foo", "Abc")
		f.Request(filtertest.NewContext(r))
		got := r.Header.Get("X-Foo")
		if !strings.HasPrefix(name, "CodePage037") && !strings.HasPrefix(name, "CodePage1047") &&
			!strings.HasPrefix(name, "CodePage1140") && got != "Abc" {
			t.Errorf("%s: %q", name, got)
		}
		if len(got) != 3 {
			t.Errorf("%s: %q", name, got)
		}
	}
	if len(charmaps) != 41 {
		t.Errorf("%d character sets, skipper has 41", len(charmaps))
	}
}

func TestEncodingWithoutResponse(t *testing.T) {
	for _, s := range EncodingSpecs() {
		args := []any{"X-Foo"}
		if strings.HasPrefix(s.Name(), "encode") && !strings.Contains(s.Name(), "Base64") {
			args = append(args, "Windows1252")
		}
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		f := filtertest.Create(t, s, args...)
		f.Request(ctx)
		f.Response(ctx) // nil response: nothing, no panic
		ctx.FResponse = &http.Response{StatusCode: 200}
		f.Response(ctx) // nil header
	}
}

func TestEncodingBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"encodeRequestHeader", []any{"X-Foo"}, "want 2 argument(s), got 1"},
		{"encodeRequestHeader", []any{"X-Foo", "Windows1252", "x"}, "want 2 argument(s), got 3"},
		{"encodeRequestHeader", []any{"X-Foo", "UTF-8"}, `argument 2 (character set) "UTF-8" is not one of the names`},
		{"encodeRequestHeader", []any{"X-Foo", "windows1252"}, `"windows1252" is not one of the names`},
		{"encodeResponseHeader", []any{"X-Foo", 1252.0}, "argument 2 (character set) must be a string"},
		{"encodeResponseHeader", []any{"", "Windows1252"}, "argument 1 (header name) must not be empty"},
		{"encodeResponseHeader", []any{"X Foo", "Windows1252"}, `"X Foo" is not a valid header name`},
		{"decodeBase64RequestHeader", []any{}, "want 1 to 2 arguments, got 0"},
		{"decodeBase64RequestHeader", []any{"X-Foo", 1.0, "extra"}, "want 1 to 2 arguments, got 3"},
		{"decodeBase64RequestHeader", []any{42.0}, "argument 1 (header name) must be a string"},
		{"decodeBase64ResponseHeader", []any{"X-Foo", "1"}, "argument 2 (part index) must be an integer"},
		{"encodeBase64RequestHeader", []any{"X-Foo", 1.5}, "argument 2 (part index) must be an integer"},
		{"encodeBase64ResponseHeader", []any{"a:b"}, "not a valid header name"},
	} {
		filtertest.CreateFails(t, encodingSpec(t, tc.filter), tc.args, tc.want)
	}
}
