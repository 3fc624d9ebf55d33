package gorouter

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
)

// BenchmarkResolve is the keyed predicate's Resolve, what routing calls
// for every request: gorouter's checks before the lookup (health-check
// User-Agent, empty Host, instance headers) and the lookup, over 10,000
// pools.
//
//	go test ./proxy/gorouter -run '^$' -bench Resolve -benchmem
func BenchmarkResolve(b *testing.B) {
	c := newClient(b, nats.Options{})
	const pools = 10000
	uris := make([]string, 0, pools)
	for i := range pools / 2 {
		uris = append(uris, fmt.Sprintf("app%d.apps.example.com", i), fmt.Sprintf("app%d.apps.example.com/api/v1", i))
	}
	uris = append(uris, "*.w.example.com")
	register(b, c, map[string]any{"host": "10.0.0.1", "port": 8080, "uris": uris})
	spec := newPoolPredicateSpec(c)
	for _, bc := range []struct{ name, url string }{
		{"exact", "http://app42.apps.example.com/"},
		{"path", "http://app42.apps.example.com:8080/api/v1/users/7"},
		{"path-miss-to-host", "http://app42.apps.example.com/api/v2"},
		{"wildcard", "http://x.w.example.com/a/b"},
		{"miss", "http://nope.example.com/"},
	} {
		r := httptest.NewRequest(http.MethodGet, bc.url, nil)
		r.RemoteAddr = "192.0.2.10:54321"
		r.Header.Set("User-Agent", "Mozilla/5.0")
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				spec.Resolve(r)
			}
		})
	}
}
