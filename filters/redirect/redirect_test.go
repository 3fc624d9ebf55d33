package redirect

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestRedirect(t *testing.T) {
	for _, tc := range []struct {
		name   string
		filter string
		args   []any
		url    string
		want   string
	}{
		{"relative path", "redirectTo", []any{302.0, "/new"}, "http://in.org/old?a=1", "https://in.org/new?a=1"},
		{"relative path and query", "redirectTo", []any{301.0, "/new?b=2"}, "http://in.org/old?a=1", "https://in.org/new?b=2"},
		{"absolute", "redirectTo", []any{308.0, "http://other.org/x"}, "http://in.org/old?a=1", "http://other.org/x?a=1"},
		{"host only keeps path", "redirectTo", []any{302.0, "https://other.org"}, "http://in.org/p/q?a=1", "https://other.org/p/q?a=1"},
		{"root path replaces", "redirectTo", []any{302.0, "https://other.org/"}, "http://in.org/p", "https://other.org/"},
		{"scheme relative", "redirectTo", []any{302.0, "//other.org"}, "http://in.org/p", "https://other.org/p"},
		{"no location", "redirectTo", []any{307.0}, "http://in.org:8080/p?a=1", "https://in.org:8080/p?a=1"},
		{"fragment", "redirectTo", []any{302.0, "/n#top"}, "http://in.org/p", "https://in.org/n#top"},
		{"escaped path kept", "redirectTo", []any{302.0, "https://o.org"}, "http://in.org/a%2Fb", "https://o.org/a%2Fb"},
		{"lower", "redirectToLower", []any{301.0}, "http://in.org/Foo/BAR?Q=A", "https://in.org/foo/bar?Q=A"},
		{"lower location path", "redirectToLower", []any{301.0, "/New/Path"}, "http://in.org/x", "https://in.org/new/path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s filters.Spec
			for _, sp := range Specs() {
				if sp.Name() == tc.filter {
					s = sp
				}
			}
			r := httptest.NewRequest("GET", tc.url, nil)
			r.URL.Scheme = "" // as on a server request
			r.URL.Host = ""
			ctx := filtertest.NewContext(r)
			f := filtertest.Create(t, s, tc.args...)
			f.Request(ctx)
			if !ctx.Served() {
				t.Fatal("not served")
			}
			code, _ := tc.args[0].(float64)
			if ctx.FResponse.StatusCode != int(code) {
				t.Errorf("status %d, want %v", ctx.FResponse.StatusCode, code)
			}
			if got := ctx.FResponse.Header.Get("Location"); got != tc.want {
				t.Errorf("Location %q, want %q", got, tc.want)
			}
			if b := filtertest.Body(t, ctx.FResponse); b != "" {
				t.Errorf("body %q", b)
			}
		})
	}
}

func TestRequestSchemeAndUser(t *testing.T) {
	r := httptest.NewRequest("GET", "http://u:p@in.org/p", nil)
	ctx := filtertest.NewContext(r)
	f := filtertest.Create(t, Specs()[0], 302.0, "/x")
	f.Request(ctx)
	if got := ctx.FResponse.Header.Get("Location"); got != "http://u:p@in.org/x" {
		t.Errorf("Location %q", got)
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		args []any
		want string
	}{
		{nil, "want 1 to 2 arguments, got 0"},
		{[]any{"302"}, "argument 1 (status code) must be an integer"},
		{[]any{302.5}, "must be an integer"},
		{[]any{42.0}, "out of range"},
		{[]any{302.0, 1.0}, "argument 2 (location) must be a string"},
		{[]any{302.0, "http://a b/%zz"}, "argument 2 (location)"},
		{[]any{302.0, "/a", "b"}, "want 1 to 2"},
	} {
		for _, s := range Specs() {
			filtertest.CreateFails(t, s, tc.args, tc.want)
		}
	}
}
