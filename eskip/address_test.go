package eskip

import (
	"errors"
	"strings"
	"testing"
)

func TestParseBackendAddress(t *testing.T) {
	for _, tc := range []struct {
		in           string
		scheme, host string
	}{
		{"http://a:8080", "http", "a:8080"},
		{"http://a", "http", "a:80"},
		{"https://a", "https", "a:443"},
		{"h2c://a", "h2c", "a:80"},
		{"HTTP://Example.ORG", "http", "example.org:80"},
		{"HtTpS://Example.ORG:8443", "https", "example.org:8443"},
		{"H2C://B", "h2c", "b:80"},
		{"https://example.org/path?q=1", "https", "example.org:443"},
		{"http://a:81/p/a/t/h?x=%zz#frag", "http", "a:81"},
		{"http://a?zone=eu-1a", "http", "a:80"},
		{"http://a#f", "http", "a:80"},
		{"http://a/", "http", "a:80"},
		{"http://127.0.0.1:9001", "http", "127.0.0.1:9001"},
		{"http://a_b.svc.cluster.local.", "http", "a_b.svc.cluster.local.:80"},
		{"http://a:", "http", "a:80"}, // an empty port is the default one, as in net/url
		{"http://a:080", "http", "a:80"},
		{"http://a:00000443", "http", "a:443"},
		{"http://a:65535", "http", "a:65535"},
		{"http://a:1", "http", "a:1"},
		{"http://[::1]", "http", "[::1]:80"},
		{"https://[::1]:8443", "https", "[::1]:8443"},
		{"http://[2001:DB8::1]:81/x", "http", "[2001:db8::1]:81"},
		{"http://[::ffff:10.0.0.1]", "http", "[::ffff:10.0.0.1]:80"},
	} {
		got, err := ParseBackendAddress(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got != (BackendAddress{tc.scheme, tc.host}) {
			t.Errorf("%q: got %+v, want %s %s", tc.in, got, tc.scheme, tc.host)
		}
		if s := got.String(); s != tc.scheme+"://"+tc.host {
			t.Errorf("%q: String() = %q", tc.in, s)
		}
		// The normal form is a fixed point.
		if again, err := ParseBackendAddress(got.String()); err != nil || again != got {
			t.Errorf("%q: parsing %q again: %+v, %v", tc.in, got.String(), again, err)
		}
	}
}

func TestParseBackendAddressErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
		msg  string // the whole message
	}{
		{"", ErrEmptyAddress, `backend address "": empty address (want scheme://host[:port])`},
		{"example.org", ErrMissingScheme, `backend address "example.org": missing scheme (want scheme://host[:port] with scheme http, https or h2c)`},
		{"localhost:8080", ErrMissingScheme, ""},
		{"http:/a", ErrMissingScheme, ""},
		{"http:a", ErrMissingScheme, ""},
		{"/path", ErrMissingScheme, ""},
		{"://a", ErrMissingScheme, `backend address "://a": missing scheme (want http, https or h2c)`},
		{"ftp://a", ErrUnsupportedScheme, `backend address "ftp://a": unsupported scheme "ftp" (want http, https or h2c)`},
		{"fastcgi://localhost:9000", ErrUnsupportedScheme, ""},
		{"ws://a", ErrUnsupportedScheme, ""},
		{"wss://a", ErrUnsupportedScheme, ""},
		{"http2://a", ErrUnsupportedScheme, ""},
		{" http://a", ErrUnsupportedScheme, ""},
		{"http://", ErrMissingHost, `backend address "http://": missing host (want scheme://host[:port])`},
		{"http:///x", ErrMissingHost, ""},
		{"http://?q", ErrMissingHost, ""},
		{"http://:80", ErrMissingHost, ""},
		{"http://u@a", ErrUserinfo, `backend address "http://u@a": user information not allowed (want scheme://host[:port])`},
		{"http://user:secret@a:80/x", ErrUserinfo, `backend address "http://user:xxxxx@a:80/x": user information not allowed (want scheme://host[:port])`},
		{"http://@a", ErrUserinfo, ""},
		{"http://a b", ErrInvalidHost, `backend address "http://a b": invalid host "a b": character ' ' not allowed (want a DNS name, an IPv4 address or an IPv6 address in brackets)`},
		{"http://a!b", ErrInvalidHost, ""},
		{"http://a%20b", ErrInvalidHost, ""},
		{"http://a\n", ErrInvalidHost, ""},
		{"http://bücher.example", ErrInvalidHost, `backend address "http://bücher.example": invalid host "bücher.example" (want ASCII: write an international name in its xn-- form)`},
		{"http://::1", ErrInvalidHost, `backend address "http://::1": invalid host "::1" (want an IPv6 address in brackets, e.g. [::1]:8080)`},
		{"http://::1:80", ErrInvalidHost, ""},
		{"http://[::1", ErrInvalidHost, ""},
		{"http://[::1]x", ErrInvalidHost, ""},
		{"http://[]", ErrInvalidHost, ""},
		{"http://[1.2.3.4]", ErrInvalidHost, ""},
		{"http://[a]", ErrInvalidHost, ""},
		{"http://[fe80::1%en0]", ErrInvalidHost, ""},
		{"http://[fe80::1%25en0]", ErrInvalidHost, `backend address "http://[fe80::1%25en0]": invalid host "[fe80::1%25en0]" (want an IPv6 address without a zone)`},
		{"http://[fe80::1%25e/n]", ErrInvalidHost, ""}, // the '/' ends the host
		{"http://a:x", ErrInvalidPort, `backend address "http://a:x": invalid port "x" (want a number from 1 to 65535)`},
		{"http://a:0", ErrInvalidPort, ""},
		{"http://a:000", ErrInvalidPort, ""},
		{"http://a:65536", ErrInvalidPort, ""},
		{"http://a:99999999999999999999999", ErrInvalidPort, ""},
		{"http://a:-1", ErrInvalidPort, ""},
		{"http://a:+80", ErrInvalidPort, ""},
		{"http://a:8 0", ErrInvalidPort, ""},
		{"http://[::1]:0", ErrInvalidPort, ""},
		{"http://a/x\ny", ErrInvalidCharacter, `backend address "http://a/x\ny": invalid character 0x0a in the path or query (want no control characters)`},
		{"http://a?\x7f", ErrInvalidCharacter, ""},
	} {
		got, err := ParseBackendAddress(tc.in)
		if err == nil {
			t.Errorf("%q: got %+v, want an error", tc.in, got)
			continue
		}
		if got != (BackendAddress{}) {
			t.Errorf("%q: got %+v with the error", tc.in, got)
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: error %v is not %v", tc.in, err, tc.want)
		}
		var ae *AddressError
		if !errors.As(err, &ae) {
			t.Errorf("%q: error %T is not an *AddressError", tc.in, err)
		}
		if tc.msg != "" && err.Error() != tc.msg {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, err, tc.msg)
		}
		if !strings.HasPrefix(err.Error(), "backend address ") || !strings.Contains(err.Error(), "(want ") {
			t.Errorf("%q: message %q does not name the address or what was expected", tc.in, err)
		}
	}
}

func TestBackendHost(t *testing.T) {
	for _, tc := range []struct {
		scheme, host string
		want         BackendAddress
		err          error
		msg          string
	}{
		{"http", "a", BackendAddress{"http", "a:80"}, nil, ""},
		{"HTTPS", "A.org", BackendAddress{"https", "a.org:443"}, nil, ""},
		{"h2c", "a:8080", BackendAddress{"h2c", "a:8080"}, nil, ""},
		{"https", "[::1]", BackendAddress{"https", "[::1]:443"}, nil, ""},
		{"http", "[::1]:81", BackendAddress{"http", "[::1]:81"}, nil, ""},
		{"ftp", "a", BackendAddress{}, ErrUnsupportedScheme, `backend address "ftp://a": unsupported scheme "ftp" (want http, https or h2c)`},
		{"", "a", BackendAddress{}, ErrMissingScheme, `backend address "://a": missing scheme (want http, https or h2c)`},
		{"http", "", BackendAddress{}, ErrMissingHost, `backend address "http://": missing host (want scheme://host[:port])`},
		{"http", "a/b", BackendAddress{}, ErrInvalidHost, ""},
		{"http", "a?b", BackendAddress{}, ErrInvalidHost, ""},
		{"http", "u:pw@a", BackendAddress{}, ErrUserinfo, `backend address "http://u:xxxxx@a": user information not allowed (want scheme://host[:port])`},
		{"http", "a:0", BackendAddress{}, ErrInvalidPort, ""},
		{"http", "::1", BackendAddress{}, ErrInvalidHost, ""},
	} {
		got, err := BackendHost(tc.scheme, tc.host)
		if got != tc.want || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("BackendHost(%q, %q) = %+v, %v; want %+v, %v", tc.scheme, tc.host, got, err, tc.want, tc.err)
		}
		if tc.msg != "" && (err == nil || err.Error() != tc.msg) {
			t.Errorf("BackendHost(%q, %q): error %v, want %s", tc.scheme, tc.host, err, tc.msg)
		}
	}
}

func TestBackendAddressZeroString(t *testing.T) {
	if s := (BackendAddress{}).String(); s != "" {
		t.Errorf("zero address prints %q", s)
	}
}

func TestParseBackendAddressWraps(t *testing.T) {
	_, err := ParseBackendAddress("ftp://a")
	wrapped := errors.Join(errors.New("route r"), err)
	var ae *AddressError
	if !errors.Is(wrapped, ErrUnsupportedScheme) || !errors.As(wrapped, &ae) || ae.Address != "ftp://a" {
		t.Errorf("wrapped error lost its kind: %v", wrapped)
	}
}

func TestParseBackendAddressAllocs(t *testing.T) {
	for _, tc := range []struct {
		in     string
		allocs float64
	}{
		{"http://10.2.3.4:8080", 0},
		{"https://api.example.org:443/v1?x=1", 0},
		{"h2c://[::1]:81", 0},
		{"http://api.example.org", 1},
		{"HTTP://API.example.org:80", 1},
	} {
		if n := testing.AllocsPerRun(100, func() { _, _ = ParseBackendAddress(tc.in) }); n != tc.allocs {
			t.Errorf("%q: %v allocations, want %v", tc.in, n, tc.allocs)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = BackendHost("http", "api.example.org:8080") }); n != 0 {
		t.Errorf("BackendHost: %v allocations, want 0", n)
	}
}

func BenchmarkParseBackendAddress(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"normal", "http://10.2.3.4:8080"},
		{"defaultPort", "https://api.example.org/v1"},
		{"upperCase", "HTTP://API.Example.ORG:8080"},
		{"ipv6", "http://[2001:db8::1]:8080"},
		{"error", "ftp://example.org"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParseBackendAddress(bc.in)
			}
		})
	}
}

func BenchmarkBackendHost(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = BackendHost("http", "api.example.org:8080")
	}
}
