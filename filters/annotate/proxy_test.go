package annotate_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/annotate"
	"github.com/skiff-proxy/skiff/filters/path"
	"github.com/skiff-proxy/skiff/proxy/proxytest"
)

// showSpec makes show(), which answers with the annotations it finds, as
// a filter that reads them would.
type showSpec struct{}

func (showSpec) Name() string                               { return "show" }
func (showSpec) CreateFilter([]any) (filters.Filter, error) { return show{}, nil }

type show struct{}

func (show) Request(ctx filters.FilterContext) {
	var kv []string
	for k, v := range annotate.Annotations(ctx) {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	ctx.Serve(&http.Response{StatusCode: 200, Header: http.Header{"X-Annotations": {strings.Join(kv, ";")}}})
}
func (show) Response(filters.FilterContext) {}

// TestThroughProxy runs annotate and originMarker in the proxy: the
// annotations reach later filters of the route and of loopback routes,
// and each request starts without any.
func TestThroughProxy(t *testing.T) {
	srv := proxytest.Serve(t, `
		doc: Path("/doc")
		  -> annotate("never", "gonna give you up")
		  -> annotate("never", "gonna let you down")
		  -> show() -> <shunt>;
		outer: Path("/outer") -> annotate("a", "outer") -> annotate("b", "outer") -> setPath("/inner") -> <loopback>;
		inner: Path("/inner") -> annotate("b", "inner") -> show() -> <shunt>;
		plain: Path("/plain") -> originMarker("ingress", "default/app", "2019-08-30T09:55:51Z") -> show() -> <shunt>;
	`, proxytest.Options{Filters: append(append(annotate.Specs(), showSpec{}), path.Specs()...)})
	client := srv.Client
	for _, tc := range []struct{ path, want string }{
		{"/doc", "never=gonna let you down"},
		{"/outer", "a=outer;b=inner"},
		{"/plain", ""},
		{"/doc", "never=gonna let you down"},
	} {
		rsp, err := client.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		rsp.Body.Close()
		if got := rsp.Header.Get("X-Annotations"); rsp.StatusCode != 200 || got != tc.want {
			t.Errorf("%s: status %d, annotations %q, want %q", tc.path, rsp.StatusCode, got, tc.want)
		}
	}
}
