package headers_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/headers"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/routing"
)

type fixedTables struct{ t *routing.Table }

func (f fixedTables) Acquire() *routing.Table { return f.t }

// TestEncodingThroughProxy checks that re-encoded values, bytes above 0x7f
// included, reach the backend and the client as the filters made them.
func TestEncodingThroughProxy(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-Seen-Name"] = r.Header["X-Name"]
		w.Header()["X-Seen-Auth"] = r.Header["Authorization"]
		w.Header().Set("X-Out", "Grüße")
		w.Header().Set("X-Token", "Bearer secret")
	}))
	defer be.Close()
	routes := strings.ReplaceAll(`
		charset: Path("/charset")
		  -> encodeRequestHeader("X-Name", "Windows1252")
		  -> encodeResponseHeader("X-Out", "ISO8859_1")
		  -> "BE";
		b64: Path("/b64")
		  -> decodeBase64RequestHeader("Authorization", 1)
		  -> encodeBase64ResponseHeader("X-Token", 1)
		  -> "BE";
	`, "BE", be.URL)
	defs, err := eskip.Parse(routes)
	if err != nil {
		t.Fatal(err)
	}
	reg := filters.Registry{}
	for _, s := range headers.EncodingSpecs() {
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

	for _, tc := range []struct {
		path, hdr, value string
		want             map[string]string
	}{
		{"/charset", "X-Name", "Jürgen", map[string]string{"X-Seen-Name": "J\xfcrgen", "X-Out": "Gr\xfc\xdfe"}},
		{"/b64", "Authorization", "Basic dXNlcjpwdw==", map[string]string{"X-Seen-Auth": "Basic user:pw", "X-Token": "Bearer c2VjcmV0"}},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		req.Header.Set(tc.hdr, tc.value)
		rsp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rsp.Body.Close()
		if rsp.StatusCode != 200 {
			t.Errorf("%s: status %d", tc.path, rsp.StatusCode)
		}
		for k, v := range tc.want {
			if got := rsp.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.path, k, got, v)
			}
		}
	}
}
