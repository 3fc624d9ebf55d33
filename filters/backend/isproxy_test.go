package backend

import (
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestBackendIsProxy(t *testing.T) {
	for _, tc := range []struct {
		args []any
		bad  string
	}{
		{nil, ""},
		{[]any{}, ""},
		{[]any{"http://proxy.example.com"}, "backendIsProxy: want 0 argument(s), got 1"},
		{[]any{true, 1.0}, "want 0 argument(s), got 2"},
	} {
		filtertest.CheckCreate(t, ProxySpec(), tc.args, tc.bad)
	}
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "http://www.example.org/", nil))
	f := filtertest.Create(t, ProxySpec())
	f.Request(ctx)
	f.Response(ctx)
	if want := map[string]any{filters.BackendIsProxy: struct{}{}}; !reflect.DeepEqual(ctx.FStateBag, want) {
		t.Fatalf("state bag %#v, want %#v", ctx.FStateBag, want)
	}
	if ctx.Request().URL.String() != "http://www.example.org/" || ctx.Request().Host != "www.example.org" {
		t.Fatalf("request changed: %s %s", ctx.Request().URL, ctx.Request().Host)
	}
	if n := testing.AllocsPerRun(100, func() { f.Request(ctx) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
