package cors

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestCreateFilterArgs(t *testing.T) {
	_, err := spec{}.CreateFilter([]any{"https://a.example", 3.0})
	if !errors.Is(err, filters.ErrInvalidFilterParameters) || !strings.Contains(err.Error(), Name) || !strings.Contains(err.Error(), "argument 2") {
		t.Fatalf("bad error %v", err)
	}
}

func TestCorsOrigin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []any
		origin string
		want   string
	}{
		{"no args allows all", nil, "https://x.example", "*"},
		{"no args without origin", nil, "", "*"},
		{"matching origin echoed", []any{"https://a.example", "https://b.example"}, "https://b.example", "https://b.example"},
		{"non-matching origin", []any{"https://a.example"}, "https://evil.example", ""},
		{"no origin header", []any{"https://a.example"}, "", ""},
		{"match is exact", []any{"https://a.example"}, "https://a.example:443", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, spec{}, tc.args...)
			req := httptest.NewRequest("GET", "/", nil)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			ctx := filtertest.NewContext(req)
			f.Request(ctx)
			ctx.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}}
			f.Response(ctx)
			if got := ctx.FResponse.Header.Get(allowOrigin); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
