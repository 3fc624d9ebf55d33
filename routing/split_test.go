package routing

import (
	"testing"
	"unsafe"
)

// split returns what eskip.ParseBackendAddress returns; a host written
// verbatim in the address points into it and is not remembered, other
// results are remembered and shared by the routes of one address.
func TestBuilderSplit(t *testing.T) {
	for _, tc := range []struct {
		addr, scheme, host string
		bad, remembered    bool
	}{
		{"http://10.0.0.1:8080", "http", "10.0.0.1:8080", false, false},
		{"https://api.example.org:443/base", "https", "api.example.org:443", false, false},
		{"http://[::1]:9", "http", "[::1]:9", false, false},
		{"http://api.example.org", "http", "api.example.org:80", false, true},    // default port added
		{"HTTP://API.example.org:80", "http", "api.example.org:80", false, true}, // lower-cased
		{"ftp://x:1", "", "", true, true},
		{"http://user@x:1", "", "", true, true},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			b := newBuilder(testOptions())
			s := b.split(tc.addr)
			if (s.err != nil) != tc.bad {
				t.Fatalf("error %v, want bad=%v", s.err, tc.bad)
			}
			if s.addr.Scheme != tc.scheme || s.addr.Host != tc.host {
				t.Fatalf("split %q %q, want %q %q", s.addr.Scheme, s.addr.Host, tc.scheme, tc.host)
			}
			if _, ok := b.backends[tc.addr]; ok != tc.remembered {
				t.Errorf("remembered %v, want %v", ok, tc.remembered)
			}
			if !tc.bad && !tc.remembered && !within(s.addr.Host, tc.addr) {
				t.Error("a host written in the address is a copy")
			}
			again := b.split(tc.addr)
			if tc.remembered && !tc.bad && unsafe.StringData(again.addr.Host) != unsafe.StringData(s.addr.Host) {
				t.Error("two routes of one address got two copies of its host")
			}
		})
	}
}

// within reports whether sub's bytes lie inside s's.
func within(sub, s string) bool {
	p, q := uintptr(unsafe.Pointer(unsafe.StringData(sub))), uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return p >= q && p+uintptr(len(sub)) <= q+uintptr(len(s))
}
