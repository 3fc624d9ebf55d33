package annotate_test

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/annotate"
	"github.com/skiff-proxy/skiff/filters/path"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/routing"
)

type fixedTables struct{ t *routing.Table }

func (f fixedTables) Acquire() *routing.Table { return f.t }

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
	defs, err := eskip.Parse(`
		doc: Path("/doc")
		  -> annotate("never", "gonna give you up")
		  -> annotate("never", "gonna let you down")
		  -> show() -> <shunt>;
		outer: Path("/outer") -> annotate("a", "outer") -> annotate("b", "outer") -> setPath("/inner") -> <loopback>;
		inner: Path("/inner") -> annotate("b", "inner") -> show() -> <shunt>;
		plain: Path("/plain") -> originMarker("ingress", "default/app", "2019-08-30T09:55:51Z") -> show() -> <shunt>;
	`)
	if err != nil {
		t.Fatal(err)
	}
	reg := filters.Registry{}
	for _, s := range append(append(annotate.Specs(), showSpec{}), path.Specs()...) {
		reg.Register(s)
	}
	table := routing.Build(defs, routing.BuildOptions{Filters: reg, Predicates: routing.PredicateRegistry{}})
	if inv := table.Invalid(); len(inv) > 0 {
		t.Fatalf("invalid routes: %+v", inv)
	}
	p := proxy.New(proxy.Options{Tables: fixedTables{table}})
	defer p.Close()
	srv := httptest.NewServer(p)
	defer srv.Close()
	client := &http.Client{}
	defer client.CloseIdleConnections()
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
