package template

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/skiff-proxy/skiff/internal/cookies"
	"github.com/skiff-proxy/skiff/internal/rawquery"
)

// QueryValue returns the first value of key in the raw query, decoded, or
// "" when absent. It follows url.ParseQuery (pairs with a `;` or a bad
// escape are ignored) but scans instead of building a map.
func QueryValue(rawQuery, key string) string {
	v, _ := rawquery.Next(&rawQuery, key)
	return v
}

// CookieValue returns the value of the first request cookie called name, or
// "". Surrounding double quotes are removed as net/http does.
func CookieValue(h http.Header, name string) string {
	v, _ := cookies.Value(h, name)
	return v
}

// Source is the client address as seen through proxies: the first
// X-Forwarded-For entry when it is an IP, else the remote IP.
func Source(r *http.Request) string {
	if xff := firstHeader(r.Header, "X-Forwarded-For"); xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		if ip := validIP(strings.TrimSpace(first)); ip != "" {
			return ip
		}
	}
	return ClientIP(r)
}

// SourceFromLast is like Source but takes the last X-Forwarded-For entry,
// the one added by the proxy nearest to us.
func SourceFromLast(r *http.Request) string {
	if xff := firstHeader(r.Header, "X-Forwarded-For"); xff != "" {
		last := xff
		if i := strings.LastIndexByte(xff, ','); i >= 0 {
			last = xff[i+1:]
		}
		if ip := validIP(strings.TrimSpace(last)); ip != "" {
			return ip
		}
	}
	return ClientIP(r)
}

// ClientIP is the IP of the connection's remote address, without port.
func ClientIP(r *http.Request) string {
	a := r.RemoteAddr
	if strings.HasPrefix(a, "[") {
		if i := strings.IndexByte(a, ']'); i > 0 {
			return validIP(a[1:i])
		}
		return ""
	}
	if i := strings.LastIndexByte(a, ':'); i >= 0 && strings.IndexByte(a[:i], ':') < 0 {
		a = a[:i]
	}
	return validIP(a)
}

func validIP(s string) string {
	if _, err := netip.ParseAddr(s); err != nil {
		return ""
	}
	return s
}

func firstHeader(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
