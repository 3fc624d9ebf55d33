package loadbalancer

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/skiff-proxy/skiff/filters"
)

// nilKeyHash is the hash of the key of a request whose client address does not parse:
// skipper renders the missing IP as "<nil>", so all such requests share
// one endpoint there, and here.
var nilKeyHash = xxhash.Sum64String("<nil>")

// keyHash is the hash of the request's consistent-hash key: the one the
// consistentHashKey filter put in the state bag, else the client IP.
func keyHash(r *http.Request, bag map[string]any) uint64 {
	if k, ok := bag[filters.ConsistentHashKey].(string); ok {
		return xxhash.Sum64String(k)
	}
	ip := clientIP(r)
	if !ip.IsValid() {
		return nilKeyHash
	}
	var buf [64]byte // the longest IPv6 text is 39 bytes
	return xxhash.Sum64(ip.AppendTo(buf[:0]))
}

// clientIP is the first X-Forwarded-For element if it is an IP address
// (with or without a port), else the IP of the connection's remote
// address; the zero Addr if neither parses.
func clientIP(r *http.Request) netip.Addr {
	if r == nil {
		return netip.Addr{}
	}
	if xff := r.Header["X-Forwarded-For"]; len(xff) > 0 {
		first, _, _ := strings.Cut(xff[0], ",")
		if ip := parseIP(strings.TrimSpace(first)); ip.IsValid() {
			return ip
		}
	}
	return parseIP(r.RemoteAddr)
}

// parseIP parses "ip", "ipv4:port" or "[ipv6]:port". IPv4-mapped IPv6
// addresses count as IPv4, as net.ParseIP (skipper's parser) sees them,
// and an address with a zone is refused, as there. Text that cannot be an
// address ("unknown", host names) is refused before the parser, whose
// errors allocate.
func parseIP(s string) netip.Addr {
	if s == "" || !ipText(s) {
		return netip.Addr{}
	}
	var ip netip.Addr
	if s[0] == '[' || strings.Count(s, ":") == 1 {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}
		}
		ip = ap.Addr()
	} else {
		var err error
		if ip, err = netip.ParseAddr(s); err != nil {
			return netip.Addr{}
		}
	}
	return ip.Unmap()
}

// ipText reports whether s holds only characters of an IP address with an
// optional port: hex digits, '.', ':' and brackets.
func ipText(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		case c == '.', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}
