package status

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(), name)
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestStatus(t *testing.T) {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f := filtertest.Create(t, spec(t, "status"), 418.0)
	f.Request(ctx)
	if ctx.Served() {
		t.Fatal("status served in the request phase")
	}
	f.Response(ctx) // nil response: no panic
	ctx.FResponse = &http.Response{StatusCode: 200, Status: "200 OK"}
	f.Response(ctx)
	if ctx.FResponse.StatusCode != 418 || ctx.FResponse.Status != "418 I'm a teapot" {
		t.Errorf("got %d %q", ctx.FResponse.StatusCode, ctx.FResponse.Status)
	}
}

func TestInlineContent(t *testing.T) {
	for _, tc := range []struct {
		args     []any
		body, ct string
	}{
		{[]any{"hello"}, "hello", "text/plain; charset=utf-8"},
		{[]any{"<html><body>x</body></html>"}, "<html><body>x</body></html>", "text/html; charset=utf-8"},
		{[]any{`{"a":1}`}, `{"a":1}`, "text/plain; charset=utf-8"},
		{[]any{`{"a":1}`, "application/json"}, `{"a":1}`, "application/json"},
		{[]any{""}, "", "text/plain; charset=utf-8"},
	} {
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		f := filtertest.Create(t, spec(t, "inlineContent"), tc.args...)
		f.Request(ctx)
		rsp := ctx.FResponse
		if !ctx.Served() || rsp.StatusCode != 200 {
			t.Fatalf("%v: not served with 200", tc.args)
		}
		if got := filtertest.Body(t, rsp); got != tc.body {
			t.Errorf("%v: body %q", tc.args, got)
		}
		if got := rsp.Header.Get("Content-Type"); got != tc.ct {
			t.Errorf("%v: Content-Type %q, want %q", tc.args, got, tc.ct)
		}
		if got := rsp.Header.Get("Content-Length"); got != strconv.Itoa(len(tc.body)) || rsp.ContentLength != int64(len(tc.body)) {
			t.Errorf("%v: Content-Length %q / %d", tc.args, got, rsp.ContentLength)
		}
		// a later filter appending must not leak into the other value
		rsp.Header["Content-Type"] = append(rsp.Header["Content-Type"], "x")
		if rsp.Header.Get("Content-Length") != strconv.Itoa(len(tc.body)) {
			t.Errorf("header values alias each other")
		}
	}
}

func TestInlineContentIfStatus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []any
		status   int
		replaced bool
		ct       string
	}{
		{"match", []any{404.0, "not here"}, 404, true, "text/plain; charset=utf-8"},
		{"match mime", []any{500.0, "{}", "application/json"}, 500, true, "application/json"},
		{"no match", []any{404.0, "not here"}, 200, false, "text/html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
			f := filtertest.Create(t, spec(t, "inlineContentIfStatus"), tc.args...)
			f.Request(ctx)
			if ctx.Served() {
				t.Fatal("served in request phase")
			}
			orig := &closeRecorder{Reader: strings.NewReader("backend body")}
			ctx.FResponse = &http.Response{StatusCode: tc.status, Body: orig, ContentLength: 12,
				Header: http.Header{"Content-Type": {"text/html"}, "Content-Encoding": {"gzip"}, "X-Keep": {"1"}}}
			f.Response(ctx)
			rsp := ctx.FResponse
			body := filtertest.Body(t, rsp)
			if tc.replaced {
				if !orig.closed || body != tc.args[1] || rsp.Header.Get("Content-Encoding") != "" ||
					rsp.ContentLength != int64(len(body)) || rsp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
					t.Errorf("not replaced properly: closed=%v body=%q headers=%v", orig.closed, body, rsp.Header)
				}
			} else if body != "backend body" || rsp.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("changed a non-matching response: %q %v", body, rsp.Header)
			}
			if rsp.StatusCode != tc.status || rsp.Header.Get("X-Keep") != "1" || rsp.Header.Get("Content-Type") != tc.ct {
				t.Errorf("status %d headers %v", rsp.StatusCode, rsp.Header)
			}
		})
	}
}

func TestComment(t *testing.T) {
	f := filtertest.Create(t, spec(t, "comment"), "any", 1.0, "thing")
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f.Request(ctx)
	f.Response(ctx)
	if ctx.Served() || len(ctx.FRequest.Header) != 0 {
		t.Error("comment did something")
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"status", nil, "want 1 argument(s), got 0"},
		{"status", []any{"200"}, "argument 1 (status code) must be an integer"},
		{"status", []any{1000.0}, "out of range"},
		{"inlineContent", nil, "want 1 to 2 arguments"},
		{"inlineContent", []any{1.0}, "argument 1 (content) must be a string"},
		{"inlineContent", []any{"x", "not a mime"}, `argument 2 (mime type) "not a mime"`},
		{"inlineContent", []any{"x", ""}, "argument 2 (mime type) must not be empty"},
		{"inlineContentIfStatus", []any{"x"}, "want 2 to 3 arguments"},
		{"inlineContentIfStatus", []any{"404", "x"}, "argument 1 (status code)"},
		{"inlineContentIfStatus", []any{404.0, 1.0}, "argument 2 (content)"},
		{"inlineContentIfStatus", []any{404.0, "x", "text/"}, "argument 3 (mime type)"},
	} {
		filtertest.CreateFails(t, spec(t, tc.filter), tc.args, tc.want)
	}
}

func BenchmarkInlineContent(b *testing.B) {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f := filtertest.Create(b, spec(b, "inlineContent"), "Hello, world!\n")
	b.ReportAllocs()
	for b.Loop() {
		f.Request(ctx)
	}
}
