package inbound

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// Forwarded sets the X-Forwarded-* headers chosen with
// -forwarded-headers on every request before routing, so predicates see
// them too. Nothing is set by default.
type Forwarded struct {
	forwardedFor, host, method, uri bool
	port                            string // "", "auto" (listener port) or a fixed value
	proto                           string // "", "auto" (from TLS), "http" or "https"
	exclude                         []netip.Prefix
}

// ParseForwarded reads the -forwarded-headers list and the CIDRs
// whose clients get no headers.
func ParseForwarded(list, excludeCIDRs []string) (*Forwarded, error) {
	if len(list) == 0 {
		if len(excludeCIDRs) > 0 {
			return nil, errors.New("exclude CIDRs given without forwarded headers")
		}
		return nil, nil
	}
	f := &Forwarded{}
	for _, item := range list {
		name, value, hasValue := strings.Cut(strings.TrimSpace(item), "=")
		switch canon := http.CanonicalHeaderKey(name); {
		case canon == "X-Forwarded-For" && !hasValue:
			f.forwardedFor = true
		case canon == "X-Forwarded-Host" && !hasValue:
			f.host = true
		case canon == "X-Forwarded-Method" && !hasValue:
			f.method = true
		case canon == "X-Forwarded-Uri" && !hasValue:
			f.uri = true
		case canon == "X-Forwarded-Port" && hasValue:
			if value != "auto" {
				if n, err := strconv.Atoi(value); err != nil || n < 1 || n > 65535 {
					return nil, fmt.Errorf("%q: port must be auto or 1-65535", item)
				}
			}
			f.port = value
		case canon == "X-Forwarded-Proto" && hasValue:
			if value != "auto" && value != "http" && value != "https" {
				return nil, fmt.Errorf("%q: proto must be auto, http or https", item)
			}
			f.proto = value
		default:
			return nil, fmt.Errorf("%q: expected X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Method, "+
				"X-Forwarded-Uri, X-Forwarded-Port=<port|auto> or X-Forwarded-Proto=<http|https|auto>", item)
		}
	}
	for _, c := range excludeCIDRs {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			return nil, fmt.Errorf("exclude CIDR: %w", err)
		}
		f.exclude = append(f.exclude, p.Masked())
	}
	return f, nil
}

// forwardedHandler applies f before next.
type forwardedHandler struct {
	f    *Forwarded
	next http.Handler
}

func (h forwardedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.f.set(r)
	h.next.ServeHTTP(w, r)
}

func (f *Forwarded) set(r *http.Request) {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	if len(f.exclude) > 0 {
		if a, err := netip.ParseAddr(ip); err == nil {
			a = a.Unmap()
			for _, p := range f.exclude {
				if p.Contains(a) {
					return
				}
			}
		}
	}
	h := r.Header
	if f.forwardedFor {
		if old := h.Get("X-Forwarded-For"); old != "" {
			h.Set("X-Forwarded-For", old+", "+ip)
		} else {
			h.Set("X-Forwarded-For", ip)
		}
	}
	if f.host {
		h.Set("X-Forwarded-Host", r.Host)
	}
	if f.method {
		h.Set("X-Forwarded-Method", r.Method)
	}
	if f.uri {
		h.Set("X-Forwarded-Uri", r.RequestURI)
	}
	switch f.port {
	case "":
	case "auto":
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			if _, port, err := net.SplitHostPort(a.String()); err == nil {
				h.Set("X-Forwarded-Port", port)
			}
		}
	default:
		h.Set("X-Forwarded-Port", f.port)
	}
	switch f.proto {
	case "":
	case "auto":
		proto := "http"
		if r.TLS != nil {
			proto = "https"
		}
		h.Set("X-Forwarded-Proto", proto)
	default:
		h.Set("X-Forwarded-Proto", f.proto)
	}
}
