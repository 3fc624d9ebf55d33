package body

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(), name)
}

type sedCase struct {
	title        string
	args         []any
	body, expect string
}

// runSed runs the filter on a response (sed, sedDelim) or request
// (sedRequest, sedRequestDelim) with body and returns the edited body.
func runSed(t *testing.T, name string, args []any, body string) string {
	t.Helper()
	f := filtertest.Create(t, spec(t, name), args...)
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	ctx := filtertest.NewContext(req)
	f.Request(ctx)
	if strings.HasPrefix(name, "sedRequest") {
		if req.ContentLength != -1 || req.Header.Get("Content-Length") != "" {
			t.Errorf("%s: request length %d / %q kept", name, req.ContentLength, req.Header.Get("Content-Length"))
		}
		b, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ctx.FResponse = &http.Response{StatusCode: 200, ContentLength: int64(len(body)),
		Header: http.Header{"Content-Length": {"9"}}, Body: io.NopCloser(strings.NewReader(body))}
	f.Response(ctx)
	rsp := ctx.FResponse
	if rsp.ContentLength != -1 || rsp.Header.Get("Content-Length") != "" {
		t.Errorf("%s: response length %d / %q kept", name, rsp.ContentLength, rsp.Header.Get("Content-Length"))
	}
	return filtertest.Body(t, rsp)
}

// TestSed: skipper's test table, for sed and sedRequest.
func TestSed(t *testing.T) {
	args := func(a ...any) []any { return a }
	for _, tc := range []sedCase{
		{"empty body", args("foo", "bar"), "", ""},
		{"no match", args("foo", "bar"), "barbazqux", "barbazqux"},
		{"no match, not prefixable", args("[0-9]+", "this was a number"), "foobarbaz", "foobarbaz"},
		{"not consumable match", args("[0-9]*", "this was a number"), "foobarbaz", "foobarbaz"},
		{"has match", args("foo", "bar"), "foobarbazquxfoobarbazqux", "barbarbazquxbarbarbazqux"},
		{"non-prefixable match", args("[0-9]+", "_"), "foobar123bazqux", "foobar_bazqux"},
		{"the whole body is replaced", args("foo", "bar"), "foofoofoo", "barbarbar"},
		{"the whole body is deleted", args("foo", ""), "foofoofoo", ""},
		{"consume and discard", args(".*", ""), "foobarbaz", ""},
		{"capture groups are ignored but ok", args("foo(bar)baz", "qux"), "foobarbaz", "qux"},
		{"replacement is literal", args("foo(bar)", "$1"), "foobar", "$1"},
		{"expand the body to make it longer", args("foo", "foobarbaz"), "foobarbazfoobarbazfoobarbaz", "foobarbazbarbazfoobarbazbarbazfoobarbazbarbaz"},
		{"max buffer", args("foo", "bar", 64000000.0), "a foo", "a bar"},
		{"max buffer and handling", args("foo", "bar", 10.0, "abort"), "a foo", "a bar"},
		{"zero max buffer is the default", args("foo", "bar", 0.0, "best-effort"), "a foo", "a bar"},
		// differences from skipper
		{"empty matches are skipped, not an end", args("[0-9]*", "_"), "foobar123baz", "foobar_baz"},
		{"^ anchors at the body's start only", args("^foo", "X"), "foofoo", "Xfoo"},
	} {
		for _, name := range []string{"sed", "sedRequest"} {
			if got := runSed(t, name, tc.args, tc.body); got != tc.expect {
				t.Errorf("%s %s: got %q, want %q", name, tc.title, got, tc.expect)
			}
		}
	}
}

// TestSedDelim: skipper's tables, for sedDelim and sedRequestDelim.
func TestSedDelim(t *testing.T) {
	args := func(a ...any) []any { return a }
	for _, tc := range []sedCase{
		{"no match", args("foo", "bar", "\n"), "barbaz\nquxquux", "barbaz\nquxquux"},
		{"not consumable match", args("[0-9]*", "this was a number", "\n"), "foobar\nbazqux", "foobar\nbazqux"},
		{"has match", args("foo", "bar", "\n"), "foobarbazqux\nfoobarbazqux", "barbarbazqux\nbarbarbazqux"},
		{"has match, mid-line", args("bar", "baz", "\n"), "foobarbazqux\nfoobarbazqux", "foobazbazqux\nfoobazbazqux"},
		{"whole lines are replaced", args("foo", "bar", "\n"), "foofoo\nfoofoo", "barbar\nbarbar"},
		{"every line is cleared", args("foo", "", "\n"), "foofoo\nfoofoo", "\n"},
		{"consume and discard", args("(?s).*", "", "\n"), "foobar\nbazqux", ""},
		{"replace delimiter", args("foo\n", "bar", "\n"), "foo\nbar", "barbar"},
		{"replace delimiter only", args("\n", "bar", "\n"), "foo\nbaz", "foobarbaz"},
		{"capture groups are ignored but ok", args("foo(bar)", "qux", "\n"), "foobar\nbazqux", "qux\nbazqux"},
		{"default max buffer", args("foo", "bar", "\n"), "foobarbaz", "barbarbaz"},
		{"expand the body to make it longer", args("foo", "foobarbaz", "\n"), "foobarbaz\nfoobarbaz\nfoobarbaz", "foobarbazbarbaz\nfoobarbazbarbaz\nfoobarbazbarbaz"},
		// no delimiter in the body
		{"no delimiter: has match", args("foo", "bar", "\n"), "foobarbazquxfoobarbazqux", "barbarbazquxbarbarbazqux"},
		{"no delimiter: consume and discard", args(".*", "", "\n"), "foobarbaz", ""},
		// lines are pieces of their own, delimiter included: ^ at every
		// line, $ only after the delimiter, (?m)$ before it
		{"anchored lines", args("^a|b$", "X", "\n"), "ab\nba\naab\n", "Xb\nba\nXab\n"},
		{"anchored lines, multi-line mode", args("(?m)^a|b$", "X", "\n"), "ab\nba\naab\n", "XX\nba\nXaX\n"},
		{"empty delimiter is sed", args("o", "0", ""), "foo\nfoo", "f00\nf00"},
	} {
		for _, name := range []string{"sedDelim", "sedRequestDelim"} {
			if got := runSed(t, name, tc.args, tc.body); got != tc.expect {
				t.Errorf("%s %s: got %q, want %q", name, tc.title, got, tc.expect)
			}
		}
	}
}

// TestSedLongStream: skipper's long-stream cases through the filter.
func TestSedLongStream(t *testing.T) {
	body := strings.Repeat("f", 1<<15)
	for _, tc := range []struct {
		name   string
		args   []any
		expect string
		err    bool
	}{
		{"sed", []any{"f*", "qux", float64(1 << 16)}, "qux", false},
		{"sed", []any{"f*", "qux", float64(1 << 14)}, "quxqux", false},
		{"sed", []any{"f*", "qux", float64(1 << 14), "abort"}, "", true},
		{"sedDelim", []any{"f*", "qux", "\n", float64(1 << 16)}, "qux", false},
		{"sedDelim", []any{"f*", "qux", "\n", float64(1 << 14)}, "quxqux", false},
		{"sedDelim", []any{"f*", "qux", "\n", float64(1 << 14), "abort"}, "", true},
	} {
		f := filtertest.Create(t, spec(t, tc.name), tc.args...)
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		ctx.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		f.Response(ctx)
		got, err := io.ReadAll(ctx.FResponse.Body)
		if string(got) != tc.expect || (err != nil) != tc.err {
			t.Errorf("%s%v: got %q, %v", tc.name, tc.args, got, err)
		}
	}
}

func TestSedNoBody(t *testing.T) {
	// a request without body keeps it (no chunked empty body upstream)
	f := filtertest.Create(t, spec(t, "sedRequest"), "a", "b")
	req := httptest.NewRequest("GET", "/", nil)
	ctx := filtertest.NewContext(req)
	f.Request(ctx)
	if req.Body != http.NoBody || req.ContentLength != 0 {
		t.Errorf("body %T, length %d", req.Body, req.ContentLength)
	}

	// HEAD, 204 and 304 answers have no body to edit; a HEAD answer loses
	// its length, which a GET answer would not have either
	f = filtertest.Create(t, spec(t, "sed"), "a", "b")
	for _, tc := range []struct {
		method string
		status int
	}{{"HEAD", 200}, {"GET", 204}, {"GET", 304}} {
		ctx := filtertest.NewContext(httptest.NewRequest(tc.method, "/", nil))
		ctx.FResponse = &http.Response{StatusCode: tc.status, Header: http.Header{"Content-Length": {"10"}}, Body: http.NoBody}
		f.Response(ctx)
		if ctx.FResponse.Body != http.NoBody || ctx.FResponse.Header.Get("Content-Length") != "" {
			t.Errorf("%s %d: body %T, headers %v", tc.method, tc.status, ctx.FResponse.Body, ctx.FResponse.Header)
		}
	}
	f.Response(filtertest.NewContext(httptest.NewRequest("GET", "/", nil))) // no response: no panic
}

func TestSedArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		bad    string
	}{
		{"sed", []any{"a", "b"}, ""},
		{"sed", []any{regexp.MustCompile("a"), "b"}, ""},
		{"sed", []any{"a", "b", 100.0}, ""},
		{"sed", []any{"a", "b", 100}, ""},
		{"sed", []any{"a", "b", -1.0}, ""},
		{"sed", []any{"a", "b", 1.5, "best-effort"}, ""},
		{"sed", []any{"a", "b", 100.0, "abort"}, ""},
		{"sedDelim", []any{"a", "b", "\n"}, ""},
		{"sedDelim", []any{"a", "b", "", 10.0, "abort"}, ""},
		{"sedRequest", []any{"a", ""}, ""},
		{"sedRequestDelim", []any{"a", "b", ",", 5.0}, ""},

		{"sed", []any{"a"}, "want 2 to 4 arguments, got 1"},
		{"sed", []any{"a", "b", 1.0, "abort", "x"}, "want 2 to 4 arguments, got 5"},
		{"sedDelim", []any{"a", "b"}, "want 3 to 5 arguments, got 2"},
		{"sed", []any{"(", "b"}, `argument 1 (pattern) "(" is not a valid regexp`},
		{"sed", []any{1.0, "b"}, "argument 1 (pattern) must be a regexp string"},
		{"sed", []any{"a", 1.0}, "argument 2 (replacement) must be a string"},
		{"sedDelim", []any{"a", "b", 1.0}, "argument 3 (delimiter) must be a string"},
		{"sed", []any{"a", "b", "100"}, "argument 3 (max buffer size) must be a number"},
		{"sedDelim", []any{"a", "b", "\n", "100"}, "argument 4 (max buffer size) must be a number"},
		{"sed", []any{"a", "b", 1e10}, "argument 3 (max buffer size) must be below 2 GiB"},
		{"sed", []any{"a", "b", 10.0, "stop"}, `argument 4 must be "abort" or "best-effort", got "stop"`},
		{"sedRequestDelim", []any{"a", "b", "\n", 10.0, 1.0}, "argument 5"},
	} {
		filtertest.CheckCreate(t, spec(t, tc.filter), tc.args, tc.bad)
	}
}
