package loadbalancer

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/skiff-proxy/skiff/filters"
)

func request(remote, xff string) *http.Request {
	r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	return r
}

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		remote, xff string
		want        string // "" for none
	}{
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"[2001:db8::1]:443", "", "2001:db8::1"},
		{"192.0.2.1:5000", "198.51.100.7", "198.51.100.7"},
		{"192.0.2.1:5000", " 198.51.100.7 , 10.0.0.1", "198.51.100.7"},
		{"192.0.2.1:5000", "198.51.100.7:8080", "198.51.100.7"},
		{"192.0.2.1:5000", "[2001:db8::2]:8080", "2001:db8::2"},
		{"192.0.2.1:5000", "2001:DB8::2", "2001:db8::2"},
		{"192.0.2.1:5000", "::ffff:198.51.100.7", "198.51.100.7"},
		{"192.0.2.1:5000", "unknown", "192.0.2.1"},
		{"192.0.2.1:5000", "fe80::1%eth0", "192.0.2.1"},
		{"192.0.2.1:5000", "abc", "192.0.2.1"},
		{"192.0.2.1:5000", ", 198.51.100.7", "192.0.2.1"}, // only the first element counts
		{"192.0.2.1", "", "192.0.2.1"},
		{"pipe", "", ""},
		{"", "", ""},
	} {
		got := clientIP(request(tc.remote, tc.xff))
		if (tc.want == "" && got.IsValid()) || (tc.want != "" && got != netip.MustParseAddr(tc.want)) {
			t.Errorf("remote %q, X-Forwarded-For %q: %v, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
	if clientIP(nil).IsValid() {
		t.Error("nil request has an address")
	}
}

func TestKeyHash(t *testing.T) {
	r := request("192.0.2.1:5000", "")
	for _, tc := range []struct {
		name string
		r    *http.Request
		bag  map[string]any
		key  string
	}{
		{"client IP", r, nil, "192.0.2.1"},
		{"IPv6 client", request("[2001:db8::1]:1", ""), nil, "2001:db8::1"},
		{"bag key", r, map[string]any{filters.ConsistentHashKey: "user-7"}, "user-7"},
		{"empty bag key counts", r, map[string]any{filters.ConsistentHashKey: ""}, ""},
		{"non-string bag key ignored", r, map[string]any{filters.ConsistentHashKey: 7}, "192.0.2.1"},
		{"no address", request("pipe", ""), nil, "<nil>"},
		{"no request", nil, nil, "<nil>"},
	} {
		if got, want := keyHash(tc.r, tc.bag), xxhash.Sum64String(tc.key); got != want {
			t.Errorf("%s: hash %x, want that of %q", tc.name, got, tc.key)
		}
	}
}

func TestKeyHashDoesNotAllocate(t *testing.T) {
	r := request("192.0.2.1:5000", "2001:db8:1234:5678:9abc:def0:1234:5678, 10.0.0.1")
	if n := testing.AllocsPerRun(100, func() { keyHash(r, nil) }); n != 0 {
		t.Errorf("%v allocations per key", n)
	}
}
