package nats

import (
	"net/http/httptest"
	"testing"
)

// Resolve runs for every request while the table has keyed routes
// (routing.KeyedPredicateSpec: "must not allocate in the common case").
func TestResolveAllocations(t *testing.T) {
	c, _ := newTestClient(t, Options{NoDamping: true})
	c.table = lookupTable(t, []string{"a.test", "a.test/api", "*.w.test"}, nil)
	for _, tc := range []struct {
		name, url, want string
	}{
		{name: "exact with port", url: "http://a.test:8080/api/v1", want: "a.test/api"},
		{name: "wildcard with port", url: "http://x.w.test:443/", want: "*.w.test"},
		{name: "exact without port", url: "http://a.test/api/v1", want: "a.test/api"},
		{name: "wildcard without port", url: "http://x.w.test/", want: "*.w.test"},
		{name: "miss without port", url: "http://b.test/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.url, nil)
			r.RemoteAddr = "192.0.2.10:54321"
			r.Header.Set("User-Agent", "curl/8")
			key, ok := c.pred.Resolve(r)
			want := ""
			if tc.want != "" {
				want = c.table.pools[tc.want].indexKey
			}
			if key != want || ok != (want != "") {
				t.Fatalf("Resolve = %q, %v; want %q", key, ok, want)
			}
			n := testing.AllocsPerRun(100, func() { c.pred.Resolve(r) })
			if n != 0 {
				t.Errorf("%v allocations", n)
			}
		})
	}
}
