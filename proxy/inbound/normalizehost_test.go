package inbound

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestNormalHost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"example.org", "example.org"},
		{"Example.ORG", "example.org"},
		{"example.org:8080", "example.org"},
		{"example.org.", "example.org"},
		{"EXAMPLE.org.:443", "example.org"},
		{"127.0.0.1:9090", "127.0.0.1"},
		{"[::1]:9090", "[::1]"},
		{"[::1]", "[::1]"},
		{"[FE80::1]:80", "[fe80::1]"},
		{"", ""},
		{":80", ""},
	} {
		if got := normalHost(tc.in); got != tc.want {
			t.Errorf("normalHost(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHostNormalizer(t *testing.T) {
	var seen string
	h := hostNormalizer{http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.Host })}
	for _, tc := range []struct{ host, want string }{
		{"Api.Example.org:8443", "api.example.org"},
		{"api.example.org", "api.example.org"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = tc.host
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != tc.want {
			t.Errorf("%q: next saw %q, want %q", tc.host, seen, tc.want)
		}
	}
}

func TestHostNormalizerNoAllocs(t *testing.T) {
	h := hostNormalizer{http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	for _, host := range []string{"api.example.org", "[::1]", "10.0.0.1"} {
		r.Host = host
		if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 0 {
			t.Errorf("%q: %v allocations per request, want 0", host, n)
		}
	}
}

func BenchmarkHostNormalizer(b *testing.B) {
	h := hostNormalizer{http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		r.Host = "api.example.org"
		h.ServeHTTP(w, r)
	}
}
