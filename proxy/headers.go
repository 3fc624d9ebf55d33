package proxy

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/skiff-proxy/skiff/proxy/internal/httpsyntax"
)

// hopHeaders are meaningful for one connection only (RFC 9110 §7.6.1) and
// are not forwarded, in either direction, unless Options.KeepHopHeaders.
var hopHeaders = [...]string{
	"Connection",
	"Proxy-Connection",
	"Keep-Alive",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// teTrailers is the one TE value forwarded: gRPC needs it end to end.
func teTrailers() []string { return []string{"trailers"} }

// removeRequestHopHeaders is removeHopHeaders for a request: "TE:
// trailers" survives, as the backend may only send trailers when asked.
func removeRequestHopHeaders(h http.Header) {
	keepTE := false
	for _, v := range h["Te"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			tok, _, _ = strings.Cut(tok, ";")
			if strings.EqualFold(textproto.TrimString(tok), "trailers") {
				keepTE = true
			}
		}
	}
	removeHopHeaders(h)
	if keepTE {
		h["Te"] = teTrailers()
	}
}

// connectionOptions are the tokens a Connection field usually carries, in
// canonical form: nearly every backend response names keep-alive or close,
// which are then canonicalised without an allocation.
var connectionOptions = map[string]string{"Keep-Alive": "Keep-Alive", "Close": "Close", "Upgrade": "Upgrade", "Te": "Te"}

// removeHopHeaders deletes the hop-by-hop headers and every header named
// in Connection from h.
func removeHopHeaders(h http.Header) {
	if conn, ok := h["Connection"]; ok {
		for _, v := range conn {
			for v != "" {
				var tok string
				tok, v, _ = strings.Cut(v, ",")
				tok = textproto.TrimString(tok)
				if tok == "" {
					continue
				}
				var buf [32]byte
				if k, ok := httpsyntax.CanonicalKey(tok, connectionOptions, buf[:0]); ok {
					delete(h, k)
				} else {
					h.Del(tok) // not a token: http.Header.Del deletes it as written
				}
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

// removeUpgradeHopHeaders is removeHopHeaders for a protocol-switch
// request: the switch itself (Connection: Upgrade and the Upgrade header)
// is what the backend must see; everything else meant for this hop goes.
func removeUpgradeHopHeaders(h http.Header) {
	up := h["Upgrade"]
	removeHopHeaders(h)
	h["Connection"] = []string{"Upgrade"}
	h["Upgrade"] = up
}

// isUpgrade reports whether r asks to switch protocols: a Connection header
// with the token "upgrade" and a non-empty Upgrade header.
func isUpgrade(h http.Header) bool {
	if h.Get("Upgrade") == "" {
		return false
	}
	for _, v := range h["Connection"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(textproto.TrimString(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}

// outgoingHost drops the scheme's default port from a host:port, so the
// backend sees "example.org" rather than "example.org:80".
func stripDefaultPort(scheme, hostport string) string {
	switch scheme {
	case "http", "h2c", "ws":
		return strings.TrimSuffix(hostport, ":80")
	case "https", "wss":
		return strings.TrimSuffix(hostport, ":443")
	}
	return hostport
}

// serverName is the default Server header value. Each response gets its
// own one-element slice: a filter may edit header values in place.
const serverName = "skiff"
