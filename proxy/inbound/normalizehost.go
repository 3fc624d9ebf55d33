package inbound

import (
	"net/http"
	"strings"
)

// hostNormalizer is -normalize-host: routes match on a Host without case,
// port or trailing dot differences. A Host that is already normal is left
// as it is, without allocating.
type hostNormalizer struct{ next http.Handler }

func (h hostNormalizer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if n := normalHost(r.Host); n != r.Host {
		r.Host = n
	}
	h.next.ServeHTTP(w, r)
}

// normalHost lower-cases host and strips its port and trailing dots.
// IPv6 literals keep their brackets.
func normalHost(host string) string {
	h := host
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			h = h[:i+1]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimRight(h, ".")
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}
