package path

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(), name)
}

func TestPathAndQuery(t *testing.T) {
	for _, tc := range []struct {
		name      string
		filter    string
		args      []any
		url       string
		params    map[string]string
		wantPath  string
		wantQuery string
		wantURI   string // RequestURI of the outgoing URL, when set
		wantHdr   http.Header
	}{
		{name: "setPath", filter: "setPath", args: []any{"/new"}, url: "/old?a=1", wantPath: "/new", wantQuery: "a=1"},
		{name: "setPath template", filter: "setPath", args: []any{"/v2/${id}/${request.query.x}"}, url: "/a?x=y",
			params: map[string]string{"id": "9"}, wantPath: "/v2/9/y", wantQuery: "x=y"},
		{name: "setPath partial", filter: "setPath", args: []any{"/v2/${id}/x"}, url: "/a", wantPath: "/v2//x"},
		{name: "setPath drops raw path", filter: "setPath", args: []any{"/b c"}, url: "/a%2Fb", wantPath: "/b c", wantURI: "/b%20c"},
		{name: "setPath same path keeps raw", filter: "setPath", args: []any{"/a/b"}, url: "/a%2Fb", wantPath: "/a/b", wantURI: "/a%2Fb"},
		{name: "modPath", filter: "modPath", args: []any{"^/api/(\\w+)", "/$1/v1"}, url: "/api/users/1", wantPath: "/users/v1/1"},
		{name: "modPath all", filter: "modPath", args: []any{"o", "0"}, url: "/foo/boo", wantPath: "/f00/b00"},
		{name: "modPath no match", filter: "modPath", args: []any{"^/x", "/y"}, url: "/a%2Fb", wantPath: "/a/b", wantURI: "/a%2Fb"},
		{name: "setQuery whole", filter: "setQuery", args: []any{"a=${id}&b=2"}, url: "/p?z=1",
			params: map[string]string{"id": "1"}, wantPath: "/p", wantQuery: "a=1&b=2"},
		{name: "setQuery whole escapes decoded values", filter: "setQuery", args: []any{"q=${request.query.x}"}, url: "/p?x=a%20b%0D%0A%23%C3%A9",
			wantPath: "/p", wantQuery: "q=a%20b%0D%0A%23%C3%A9"},
		{name: "setQuery key value", filter: "setQuery", args: []any{"k", "v ${request.method}"}, url: "/p?z=1&k=old&k=old2",
			wantPath: "/p", wantQuery: "k=v+GET&z=1"},
		{name: "setQuery templated key", filter: "setQuery", args: []any{"${request.header.X-K}", "1"}, url: "/p",
			wantPath: "/p", wantQuery: "kk=1"},
		{name: "dropQuery", filter: "dropQuery", args: []any{"b"}, url: "/p?c=3&b=2&a=1", wantPath: "/p", wantQuery: "a=1&c=3"},
		{name: "dropQuery absent keeps order", filter: "dropQuery", args: []any{"x"}, url: "/p?c=3&a=1", wantPath: "/p", wantQuery: "c=3&a=1"},
		{name: "dropQuery template", filter: "dropQuery", args: []any{"${request.header.X-K}"}, url: "/p?kk=1&a=2", wantPath: "/p", wantQuery: "a=2"},
		{name: "stripQuery", filter: "stripQuery", url: "/p?a=1&b=2", wantPath: "/p", wantQuery: ""},
		{name: "stripQuery false", filter: "stripQuery", args: []any{"false"}, url: "/p?a=1", wantPath: "/p", wantQuery: ""},
		{name: "stripQuery to headers", filter: "stripQuery", args: []any{"TRUE"}, url: "/p?a=1&a=2&b+c=3&d%3Ae=4",
			wantPath: "/p", wantQuery: "",
			wantHdr: http.Header{"X-K": {"kk"}, "X-Query-Param-A": {"1", "2"}, "X-Query-Param-B-C": {"3"}, "X-Query-Param-D-E": {"4"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.url, nil)
			r.Header.Set("X-K", "kk")
			ctx := filtertest.NewContext(r)
			for k, v := range tc.params {
				ctx.FParams[k] = v
			}
			f := filtertest.Create(t, spec(t, tc.filter), tc.args...)
			f.Request(ctx)
			f.Response(ctx)
			if r.URL.Path != tc.wantPath || r.URL.RawQuery != tc.wantQuery {
				t.Errorf("got path %q query %q, want %q %q", r.URL.Path, r.URL.RawQuery, tc.wantPath, tc.wantQuery)
			}
			if tc.wantURI != "" && r.URL.EscapedPath() != tc.wantURI {
				t.Errorf("escaped path %q, want %q", r.URL.EscapedPath(), tc.wantURI)
			}
			wantHdr := tc.wantHdr
			if wantHdr == nil {
				wantHdr = http.Header{"X-K": {"kk"}}
			}
			if !reflect.DeepEqual(r.Header, wantHdr) {
				t.Errorf("headers %v, want %v", r.Header, wantHdr)
			}
		})
	}
}

func TestPreserveHost(t *testing.T) {
	for _, tc := range []struct {
		name, arg, backend, out, want string
	}{
		{"true switches from backend host", "true", "http://Backend.org", "backend.org", "in.org"},
		{"true with default port form", "true", "http://backend.org", "backend.org:80", "in.org"},
		{"true with explicit default port", "true", "https://backend.org:443/x", "backend.org", "in.org"},
		{"true with explicit port", "true", "http://backend.org:8080", "backend.org:8080", "in.org"},
		{"true keeps custom host", "true", "http://backend.org", "custom.org", "custom.org"},
		{"true on LB route", "true", "", "", "in.org"},
		{"false switches from incoming", "false", "http://user@backend.org:80/p", "in.org", "backend.org"},
		{"false keeps port", "false", "http://backend.org:9090", "in.org", "backend.org:9090"},
		{"false keeps custom host", "false", "http://backend.org", "custom.org", "custom.org"},
		{"false keeps backend host", "false", "http://backend.org", "backend.org", "backend.org"},
		{"false on LB route", "false", "", "in.org", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := filtertest.NewContext(httptest.NewRequest("GET", "http://in.org/", nil))
			ctx.FBackendUrl = tc.backend
			ctx.FOutgoingHost = tc.out
			f := filtertest.Create(t, spec(t, "preserveHost"), tc.arg)
			f.Request(ctx)
			f.Response(ctx)
			if ctx.FOutgoingHost != tc.want {
				t.Errorf("outgoing host %q, want %q", ctx.FOutgoingHost, tc.want)
			}
		})
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"setPath", nil, "want 1 argument(s), got 0"},
		{"setPath", []any{1.0}, "argument 1 (path) must be a string"},
		{"modPath", []any{"a"}, "want 2"},
		{"modPath", []any{"(", "x"}, "not a valid regexp"},
		{"modPath", []any{"a", 2.0}, "argument 2 (replacement)"},
		{"setQuery", nil, "want 1 to 2 arguments, got 0"},
		{"setQuery", []any{"a", 1.0}, "argument 2 (value) must be a string"},
		{"dropQuery", []any{"a", "b"}, "want 1"},
		{"dropQuery", []any{3.0}, "argument 1 (key)"},
		{"stripQuery", []any{true}, "must be a string"},
		{"stripQuery", []any{"true", "x"}, "want 0 to 1 arguments"},
		{"preserveHost", []any{"yes"}, `must be "true" or "false", got "yes"`},
		{"preserveHost", nil, "want 1"},
	} {
		filtertest.CreateFails(t, spec(t, tc.filter), tc.args, tc.want)
	}
}

func BenchmarkSetPath(b *testing.B) {
	for _, tc := range []struct{ name, path string }{
		{"static", "/new/path"},
		{"template", "/v2/${id}/items"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/old", nil)
			ctx := filtertest.NewContext(r)
			ctx.FParams["id"] = "42"
			f := filtertest.Create(b, spec(b, "setPath"), tc.path)
			b.ReportAllocs()
			for b.Loop() {
				r.URL.Path = "/old"
				f.Request(ctx)
			}
		})
	}
}

func BenchmarkPreserveHost(b *testing.B) {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "http://in.org/", nil))
	ctx.FBackendUrl = "http://backend.org:80"
	f := filtertest.Create(b, spec(b, "preserveHost"), "true")
	b.ReportAllocs()
	for b.Loop() {
		ctx.FOutgoingHost = "backend.org"
		f.Request(ctx)
	}
}
