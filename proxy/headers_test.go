package proxy

import (
	"net/http"
	"reflect"
	"testing"
)

// removeHopHeaders drops the hop-by-hop fields of RFC 9110 §7.6.1 and
// those the Connection field names, in any case.
func TestRemoveHopHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   http.Header
		want http.Header
	}{
		{"keep-alive named", http.Header{"Connection": {"keep-alive"}, "Keep-Alive": {"timeout=5"}, "X-A": {"1"}},
			http.Header{"X-A": {"1"}}},
		{"names in any case", http.Header{"Connection": {"CLOSE, x-private", "Keep-Alive"}, "Close": {"c"}, "X-Private": {"p"}, "Keep-Alive": {"k"}, "X-B": {"2"}},
			http.Header{"X-B": {"2"}}},
		{"fixed hop fields", http.Header{"Te": {"trailers"}, "Transfer-Encoding": {"chunked"}, "Upgrade": {"h2c"}, "Proxy-Authorization": {"x"}, "X-C": {"3"}},
			http.Header{"X-C": {"3"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			removeHopHeaders(tc.in)
			if !reflect.DeepEqual(tc.in, tc.want) {
				t.Fatalf("got %v, want %v", tc.in, tc.want)
			}
		})
	}
}

func BenchmarkRemoveHopHeaders(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		h := http.Header{"Connection": {"keep-alive"}, "Content-Type": {"text/plain"}}
		removeHopHeaders(h)
	}
}
