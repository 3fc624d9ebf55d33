package status

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestLoopbackIfStatus(t *testing.T) {
	for _, tc := range []struct {
		status    int
		loops     int
		wantPath  string
		rawBefore string
	}{
		{404, 1, "/fallback", ""},
		{200, 0, "/a/b", "/a%2Fb"},
	} {
		r := httptest.NewRequest("GET", "/a%2Fb", nil)
		ctx := filtertest.NewContext(r)
		f := filtertest.Create(t, spec(t, "loopbackIfStatus"), 404.0, "/fallback")
		f.Request(ctx)
		f.Response(ctx) // nil response: nothing
		ctx.FResponse = &http.Response{StatusCode: tc.status}
		f.Response(ctx)
		if ctx.LoopbackCalls != tc.loops || r.URL.Path != tc.wantPath || r.URL.RawPath != tc.rawBefore {
			t.Errorf("status %d: loops %d path %q raw %q", tc.status, ctx.LoopbackCalls, r.URL.Path, r.URL.RawPath)
		}
	}
}

func TestHealthcheck(t *testing.T) {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	ctx.FResponse = &http.Response{StatusCode: 404}
	filtertest.Create(t, spec(t, "healthcheck")).Response(ctx)
	if ctx.FResponse.StatusCode != 200 {
		t.Errorf("status %d", ctx.FResponse.StatusCode)
	}
}

func TestLoopbackBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"loopbackIfStatus", []any{404.0}, "want 2 argument(s)"},
		{"loopbackIfStatus", []any{600.0, "/x"}, "out of range 100-599: 600"},
		{"loopbackIfStatus", []any{404.0, ""}, "argument 2 (path) must not be empty"},
		{"healthcheck", []any{1.0}, "want 0 argument(s)"},
	} {
		filtertest.CreateFails(t, spec(t, tc.filter), tc.args, tc.want)
	}
}
