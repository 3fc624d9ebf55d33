package cookie

import (
	"net"
	"net/netip"
	"strings"

	"github.com/skiff-proxy/skiff/filters/specargs"
)

func cookieName(a specargs.Args, i int) (string, error) {
	name, err := a.NonEmptyString(i, "cookie name")
	if err == nil && !specargs.ValidHeaderName(name) {
		err = a.Errorf("argument %d (cookie name) %q is not a valid cookie name", i+1, name)
	}
	return name, err
}

// cookieValue validates a value and returns it as written in a header:
// quoted when it holds a space or comma, as net/http does.
func cookieValue(a specargs.Args, i int) (raw, encoded string, err error) {
	v, err := a.String(i, "cookie value")
	if err != nil {
		return "", "", err
	}
	for j := 0; j < len(v); j++ {
		if c := v[j]; c < 0x20 || c >= 0x7f || c == '"' || c == ';' || c == '\\' {
			return "", "", a.Errorf("argument %d (cookie value) %q has invalid byte %q", i+1, v, c)
		}
	}
	if strings.ContainsAny(v, " ,") {
		return v, `"` + v + `"`, nil
	}
	return v, v, nil
}

// domain derives the cookie domain from the request Host: without port, and
// without the first label when the name has at least two dots, so that
// www.example.org shares cookies with api.example.org. IPv4 hosts are used
// whole and IPv6 hosts give no Domain attribute, which browsers would reject.
func domain(host string) string {
	h := host
	if strings.HasPrefix(h, "[") || strings.Count(h, ":") == 1 {
		if hh, _, err := net.SplitHostPort(h); err == nil {
			h = hh
		}
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Is4() {
			return h
		}
		return ""
	}
	if strings.Count(h, ".") < 2 {
		return h
	}
	return h[strings.IndexByte(h, '.')+1:]
}
