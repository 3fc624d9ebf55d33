package query

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestCreateFilterArgs(t *testing.T) {
	for _, tc := range []struct {
		spec filters.Spec
		args []any
		bad  string // substring of the error, "" when valid
	}{
		{headerToQuerySpec{}, []any{"X-A", "a"}, ""},
		{headerToQuerySpec{}, []any{"X-A"}, "want 2 arguments"},
		{headerToQuerySpec{}, []any{"X-A", 1.0}, "argument 2"},
		{queryToHeaderSpec{}, []any{"a", "X-A"}, ""},
		{queryToHeaderSpec{}, []any{"a", "X-A", "Bearer %s"}, ""},
		{queryToHeaderSpec{}, []any{"a", "X-A", "100%% %s"}, ""},
		{queryToHeaderSpec{}, []any{"a", "X-A", "Bearer"}, "argument 3"},
		{queryToHeaderSpec{}, []any{"a", "X-A", "%s %s"}, "argument 3"},
		{queryToHeaderSpec{}, []any{"a", "X-A", "%d"}, "argument 3"},
		{queryToHeaderSpec{}, []any{"a", "X-A", "%s%"}, "argument 3"},
		{queryToHeaderSpec{}, []any{"", "X-A"}, "argument 1"},
		{queryToHeaderSpec{}, []any{"a", "b", "%s", "d"}, "want 2 to 3"},
	} {
		filtertest.CheckCreate(t, tc.spec, tc.args, tc.bad)
	}
}

func TestHeaderToQuery(t *testing.T) {
	for _, tc := range []struct {
		name, target, header, want string
	}{
		{"adds parameter", "/p", "v 1", "foo=v+1"},
		{"overwrites parameter", "/p?foo=old&x=1", "new", "foo=new&x=1"},
		{"empty when header absent", "/p?foo=old", "", "foo="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, headerToQuerySpec{}, "X-Foo", "foo")
			req := httptest.NewRequest("GET", tc.target, nil)
			if tc.header != "" {
				req.Header.Set("X-Foo", tc.header)
			}
			f.Request(filtertest.NewContext(req))
			if req.URL.RawQuery != tc.want {
				t.Fatalf("got %q, want %q", req.URL.RawQuery, tc.want)
			}
		})
	}
}

func TestQueryToHeader(t *testing.T) {
	for _, tc := range []struct {
		name, target, existing string
		format                 []any
		want                   string
	}{
		{"copies value", "/p?token=abc", "", nil, "abc"},
		{"unescapes value", "/p?token=a%20b+c", "", nil, "a b c"},
		{"escaped key", "/p?tok%65n=x", "", nil, "x"},
		{"first of several", "/p?token=1&token=2", "", nil, "1"},
		{"keeps existing header", "/p?token=abc", "mine", nil, "mine"},
		{"empty value ignored", "/p?token=", "", nil, ""},
		{"absent ignored", "/p?other=1", "", nil, ""},
		{"formatted", "/p?token=abc", "", []any{"Bearer %s"}, "Bearer abc"},
		{"pair with semicolon skipped", "/p?token=a;b=2", "", nil, ""},
		{"after a semicolon pair", "/p?x=1;y&token=t", "", nil, "t"},
		{"formatted with percent", "/p?token=5", "", []any{"%s%%"}, "5%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, queryToHeaderSpec{}, append([]any{"token", "Authorization"}, tc.format...)...)
			req := httptest.NewRequest("GET", tc.target, nil)
			if tc.existing != "" {
				req.Header.Set("Authorization", tc.existing)
			}
			f.Request(filtertest.NewContext(req))
			if got := req.Header.Get("Authorization"); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func BenchmarkQueryToHeader(b *testing.B) {
	f, _ := queryToHeaderSpec{}.CreateFilter([]any{"token", "Authorization", "Bearer %s"})
	req := httptest.NewRequest("GET", "/p?a=1&token=abc&b=2", nil)
	ctx := filtertest.NewContext(req)
	b.ReportAllocs()
	for b.Loop() {
		req.Header.Del("Authorization")
		f.Request(ctx)
	}
}
