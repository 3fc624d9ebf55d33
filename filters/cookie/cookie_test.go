package cookie

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(), name)
}

func TestDomain(t *testing.T) {
	for host, want := range map[string]string{
		"www.example.org":      "example.org",
		"www.example.org:8080": "example.org",
		"a.b.example.org":      "b.example.org",
		"example.org":          "example.org",
		"localhost:9090":       "localhost",
		"10.1.2.3:80":          "10.1.2.3",
		"[2001:db8::1]:443":    "",
		"":                     "",
	} {
		if got := domain(host); got != want {
			t.Errorf("domain(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestResponseCookie(t *testing.T) {
	for _, tc := range []struct {
		name, filter string
		args         []any
		reqCookie    string
		want         []string
	}{
		{"session", "responseCookie", []any{"a", "b"}, "", []string{"a=b; Path=/; Domain=example.org; HttpOnly; Secure"}},
		{"max age", "responseCookie", []any{"a", "b", 3600.5}, "", []string{"a=b; Path=/; Domain=example.org; Max-Age=3600; HttpOnly; Secure"}},
		{"negative max age", "responseCookie", []any{"a", "b", -1.0}, "", []string{"a=b; Path=/; Domain=example.org; Max-Age=0; HttpOnly; Secure"}},
		{"max age 0 expires now", "responseCookie", []any{"a", "b", 0.0}, "", []string{"a=b; Path=/; Domain=example.org; Max-Age=0; HttpOnly; Secure"}},
		{"no max age: session cookie", "responseCookie", []any{"a", "b"}, "", []string{"a=b; Path=/; Domain=example.org; HttpOnly; Secure"}},
		{"quoted", "responseCookie", []any{"a", "b c"}, "", []string{`a="b c"; Path=/; Domain=example.org; HttpOnly; Secure`}},
		{"js", "jsCookie", []any{"a", "b", 60.0}, "", []string{"a=b; Path=/; Domain=example.org; Max-Age=60; Secure"}},
		{"change-only differs", "responseCookie", []any{"a", "b", 60.0, "change-only"}, "a=old", []string{"a=b; Path=/; Domain=example.org; Max-Age=60; HttpOnly; Secure"}},
		{"change-only same", "responseCookie", []any{"a", "b", 60.0, "change-only"}, "x=1; a=b", nil},
		{"without change-only same", "responseCookie", []any{"a", "b", 60.0}, "a=b", []string{"a=b; Path=/; Domain=example.org; Max-Age=60; HttpOnly; Secure"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://www.example.org:9090/", nil)
			if tc.reqCookie != "" {
				r.Header.Set("Cookie", tc.reqCookie)
			}
			ctx := filtertest.NewContext(r)
			f := filtertest.Create(t, spec(t, tc.filter), tc.args...)
			f.Request(ctx)
			f.Response(ctx) // no response: no panic
			ctx.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}}
			f.Response(ctx)
			if got := ctx.FResponse.Header["Set-Cookie"]; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Set-Cookie %q, want %q", got, tc.want)
			}
			// the header must parse back to the configured cookie
			for _, c := range (&http.Response{Header: ctx.FResponse.Header}).Cookies() {
				if c.Name != tc.args[0] || c.Value != tc.args[1] || !c.Secure || c.Path != "/" {
					t.Errorf("parsed cookie %+v", c)
				}
			}
		})
	}
}

func TestResponseCookieNoDomainForIPv6(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "[::1]:8080"
	ctx := filtertest.NewContext(r)
	ctx.FResponse = &http.Response{Header: http.Header{}}
	filtertest.Create(t, spec(t, "responseCookie"), "a", "b").Response(ctx)
	if got := ctx.FResponse.Header.Get("Set-Cookie"); got != "a=b; Path=/; HttpOnly; Secure" {
		t.Errorf("got %q", got)
	}
}

func TestRequestCookie(t *testing.T) {
	for _, tc := range []struct{ before, want string }{
		{"", "a=b"},
		{"x=1", "x=1; a=b"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.before != "" {
			r.Header.Set("Cookie", tc.before)
		}
		f := filtertest.Create(t, spec(t, "requestCookie"), "a", "b")
		f.Request(filtertest.NewContext(r))
		if got := r.Header["Cookie"]; len(got) != 1 || got[0] != tc.want {
			t.Errorf("Cookie %q, want %q", got, tc.want)
		}
		if c, err := r.Cookie("a"); err != nil || c.Value != "b" {
			t.Errorf("cookie a: %v %v", c, err)
		}
	}
}

func TestDropCookies(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{[]string{"a=1; b=2; c=3"}, []string{"a=1; c=3"}},
		{[]string{"b=2"}, nil},
		{[]string{"a=1", "b=2; c=3"}, []string{"a=1; c=3"}},
		{[]string{"a=1; bb=2"}, []string{"a=1; bb=2"}},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = tc.in
		filtertest.Create(t, spec(t, "dropRequestCookie"), "b").Request(filtertest.NewContext(r))
		if got := r.Header["Cookie"]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("request %q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{[]string{"a=1; Path=/", "b=2; Path=/", "c=3"}, []string{"a=1; Path=/", "c=3"}},
		{[]string{"b=2"}, nil},
		{[]string{"a=1", "bb=2"}, []string{"a=1", "bb=2"}},
	} {
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		ctx.FResponse = &http.Response{Header: http.Header{"Set-Cookie": tc.in}}
		filtertest.Create(t, spec(t, "dropResponseCookie"), "b").Response(ctx)
		if got := ctx.FResponse.Header["Set-Cookie"]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("response %q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"responseCookie", []any{"a"}, "want 2 to 4 arguments, got 1"},
		{"responseCookie", []any{"a b", "v"}, `argument 1 (cookie name) "a b" is not a valid cookie name`},
		{"responseCookie", []any{"", "v"}, "argument 1 (cookie name) must not be empty"},
		{"responseCookie", []any{"a", 1.0}, "argument 2 (cookie value) must be a string"},
		{"responseCookie", []any{"a", "x;y"}, "argument 2 (cookie value)"},
		{"responseCookie", []any{"a", "b", "60"}, "argument 3 (max age)"},
		{"responseCookie", []any{"a", "b", 60.0, "always"}, `argument 4 must be "change-only"`},
		{"jsCookie", []any{"a", "b", 1.0, "change-only", "x"}, "want 2 to 4"},
		{"requestCookie", []any{"a"}, "want 2 argument(s)"},
		{"requestCookie", []any{"a", `"q"`}, "argument 2 (cookie value)"},
		{"dropRequestCookie", []any{}, "want 1"},
		{"dropResponseCookie", []any{2.0}, "argument 1 (cookie name)"},
	} {
		_, err := spec(t, tc.filter).CreateFilter(tc.args)
		if err == nil || !errors.Is(err, filters.ErrInvalidFilterParameters) ||
			!strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), tc.filter+": ") {
			t.Errorf("%s%v: got %v, want error containing %q", tc.filter, tc.args, err, tc.want)
		}
	}
}
