package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/filters"
	backendfilters "github.com/skiff-proxy/skiff/filters/backend"
	"github.com/skiff-proxy/skiff/filters/builtin"
	"github.com/skiff-proxy/skiff/filters/tee"
	"github.com/skiff-proxy/skiff/predicates"
)

// teeHit is a request one of these tests' backends received.
type teeHit struct {
	name, method, uri, host, teeKey, body string
}

// teeBackend answers "<name> answer" and reports each request on hits.
func teeBackend(t *testing.T, name string, hits chan<- teeHit) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hits <- teeHit{name: name, method: r.Method, uri: r.RequestURI, host: r.Host,
			teeKey: r.Header.Get(tee.LoopbackHeader), body: string(b)}
		io.WriteString(w, name+" answer")
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// teeWait returns the next n requests by backend name.
func teeWait(t *testing.T, hits <-chan teeHit, n int) map[string][]teeHit {
	t.Helper()
	got := map[string][]teeHit{}
	for i := 0; i < n; i++ {
		select {
		case h := <-hits:
			got[h.name] = append(got[h.name], h)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d requests arrived: %+v", i, n, got)
		}
	}
	return got
}

// teeQuiet fails when a further request arrives within a moment.
func teeQuiet(t *testing.T, hits <-chan teeHit) {
	t.Helper()
	select {
	case h := <-hits:
		t.Fatalf("unexpected request %+v", h)
	case <-time.After(100 * time.Millisecond):
	}
}

// teeBuiltin reports whether filters/builtin registers the filter name.
func teeBuiltin(t *testing.T, name string) bool {
	t.Helper()
	shadow := tee.NewShadow(tee.Options{})
	defer shadow.Close()
	reg, err := builtin.Registry(builtin.Options{Shadow: shadow})
	if err != nil {
		t.Fatal(err)
	}
	_, ok := reg[name]
	return ok
}

// teePost sends body to path on in and returns the answer's body.
func teePost(t *testing.T, in *instance, path, body string, hdr http.Header) string {
	t.Helper()
	req, err := http.NewRequest("POST", in.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	rsp, err := in.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTeeLoopbackSkipperExample: skipper's example of teeLoopback and
// Tee, with Traffic(1) for Traffic(.1) so that the copy is certain.
func TestTeeLoopbackSkipperExample(t *testing.T) {
	hasTee := false
	for _, s := range predicates.Specs(predicates.Options{}) {
		hasTee = hasTee || s.Name() == "Tee"
	}
	if !hasTee || !teeBuiltin(t, tee.LoopbackName) {
		t.Fatal("teeLoopback or Tee is not built in")
	}
	hits := make(chan teeHit, 10)
	main, test := teeBackend(t, "main", hits), teeBackend(t, "test", hits)
	in := start(t, routes(
		`main: * -> "`+main+`";`,
		`split: Traffic(1) -> teeLoopback("test-A") -> "`+main+`";`,
		`shadow: Tee("test-A") && True() -> "`+test+`";`,
	), skiff.Options{})
	body := strings.Repeat("payload ", 20000)
	if got := teePost(t, in, "/api?q=1", body, nil); got != "main answer" {
		t.Fatalf("client got %q", got)
	}
	got := teeWait(t, hits, 2)
	m, c := got["main"], got["test"]
	if len(m) != 1 || len(c) != 1 {
		t.Fatalf("got %+v", got)
	}
	if m[0].uri != "/api?q=1" || m[0].body != body || m[0].teeKey != "" {
		t.Errorf("main backend got %s %q, %d bytes", m[0].uri, m[0].teeKey, len(m[0].body))
	}
	if c[0].method != "POST" || c[0].uri != "/api?q=1" || c[0].body != body || c[0].teeKey != "test-A" {
		t.Errorf("test backend got %s %s %q, %d bytes", c[0].method, c[0].uri, c[0].teeKey, len(c[0].body))
	}
	teeQuiet(t, hits)
}

// TestTeeResponseSkipperExample: skipper's example, the collector standing
// in for another-api.example.org. Until filters/builtin registers
// teeResponse the test registers it.
func TestTeeResponseSkipperExample(t *testing.T) {
	var o skiff.Options
	if !teeBuiltin(t, tee.ResponseName) {
		shadow := tee.NewShadow(tee.Options{})
		t.Cleanup(func() { shadow.Close() })
		o.CustomFilters = []filters.Spec{tee.ResponseSpec(shadow)}
	}
	hits := make(chan teeHit, 10)
	collector, api := teeBackend(t, "collector", hits), teeBackend(t, "api", hits)
	in := start(t, routes(`r: * -> teeResponse("`+collector+`") -> "`+api+`";`), o)
	if got := teePost(t, in, "/items", "request body", nil); got != "api answer" {
		t.Fatalf("client got %q", got)
	}
	got := teeWait(t, hits, 2)
	if a := got["api"]; len(a) != 1 || a[0].uri != "/items" || a[0].body != "request body" {
		t.Errorf("api got %+v", a)
	}
	if c := got["collector"]; len(c) != 1 || c[0].method != "POST" || c[0].uri != "/" || c[0].body != "api answer" {
		t.Errorf("collector got %+v", c)
	}
	teeQuiet(t, hits)
}

// TestTeeBackendIsProxySkipperExamples: skipper's examples of
// backendIsProxy with a network and a dynamic backend; the request
// reaches the proxy in absolute form. Skipped while the proxy ignores
// filters.BackendIsProxy.
func TestTeeBackendIsProxySkipperExamples(t *testing.T) {
	var o skiff.Options
	if !teeBuiltin(t, backendfilters.IsProxyName) {
		o.CustomFilters = []filters.Spec{backendfilters.ProxySpec()}
	}
	hits := make(chan teeHit, 10)
	fwd := teeBackend(t, "proxy", hits)
	in := start(t, routes(
		`foo1: Path("/foo1") -> backendIsProxy() -> "`+fwd+`";`,
		`foo3: Path("/foo3") -> setDynamicBackendUrl("`+fwd+`") -> backendIsProxy() -> <dynamic>;`,
	), o)
	for _, path := range []string{"/foo1?a=1", "/foo3"} {
		if r := in.get(t, path, "Host", "www.example.org"); r.status != 200 || r.body != "proxy answer" {
			t.Fatalf("%s: client got %d %q", path, r.status, r.body)
		}
		h := teeWait(t, hits, 1)["proxy"][0]
		if want := "http://www.example.org" + path; h.uri != want || h.host != "www.example.org" {
			t.Errorf("proxy got %s (Host %s), want %s", h.uri, h.host, want)
		}
	}
}
