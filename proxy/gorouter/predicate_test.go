package gorouter

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
)

// Resolve runs gorouter's checks in its order before the lookup (spec
// §10), and does not allocate: it runs for every request while the table
// has keyed routes.
func TestResolve(t *testing.T) {
	c := newClient(t, nats.Options{})
	for _, uri := range []string{"a.test", "a.test/api", "*.w.test"} {
		register(t, c, map[string]any{"host": "10.0.0.1", "port": 8080, "uris": []string{uri}})
	}
	spec := newPoolPredicateSpec(c)
	const guid = "aaaaaaaa-0123-4567-89ab-cdef01234567"
	for _, tc := range []struct {
		name, url, remote string
		hdr               []string
		want              string // index key; "" for none
	}{
		{name: "exact with port", url: "http://a.test:8080/api/v1", want: IndexKey("a.test/api")},
		{name: "exact without port", url: "http://a.test/api/v1", want: IndexKey("a.test/api")},
		{name: "wildcard with port", url: "http://x.w.test:443/", want: IndexKey("*.w.test")},
		{name: "wildcard without port", url: "http://x.w.test/", want: IndexKey("*.w.test")},
		{name: "miss", url: "http://b.test/"},
		{name: "health-check user agent first", url: "http://b.test/", hdr: []string{"User-Agent", nats.DefaultHealthCheckUserAgent},
			want: IndexKey(nats.KeyHealth)},
		{name: "host is the client's address", url: "http://192.0.2.10:8080/", want: IndexKey(nats.KeyEmptyHost)},
		{name: "malformed app instance before lookup", url: "http://a.test/", hdr: []string{"X-Cf-App-Instance", "G:1"},
			want: IndexKey(nats.KeyBadAppInstance)},
		{name: "valid app instance goes to lookup", url: "http://a.test/", hdr: []string{"X-Cf-App-Instance", guid + ":1"},
			want: IndexKey("a.test")},
		{name: "malformed process instance", url: "http://a.test/", hdr: []string{"X-Cf-Process-Instance", "x y"},
			want: IndexKey(nats.KeyBadProcessInstance)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.url, nil)
			r.RemoteAddr = "192.0.2.10:54321"
			r.Header.Set("User-Agent", "curl/8")
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				r.Header.Set(tc.hdr[i], tc.hdr[i+1])
			}
			key, ok := spec.Resolve(r)
			if key != tc.want || ok != (tc.want != "") {
				t.Fatalf("Resolve = %q, %v; want %q", key, ok, tc.want)
			}
			p, err := spec.Create([]any{"a.test"})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Match(r); got != (tc.want == IndexKey("a.test")) {
				t.Errorf("NATSPool(\"a.test\").Match = %v, disagrees with Resolve", got)
			}
			if raceEnabled {
				return
			}
			if n := testing.AllocsPerRun(100, func() { spec.Resolve(r) }); n != 0 {
				t.Errorf("%v allocations", n)
			}
		})
	}
}
