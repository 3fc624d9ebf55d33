package frontconn

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"
)

// NewTLSListener returns a listener that does the TLS handshakes of the
// connections of inner itself, since net/http sets Request.TLS and serves
// HTTP/2 only on a *tls.Conn and so a guard cannot simply wrap one.
//
// Handshakes run off the Accept path, one goroutine per connection, each
// bounded by handshakeTimeout (none if zero). A connection that
// negotiated "h2" by ALPN is returned as the *tls.Conn itself: net/http
// serves HTTP/2 on it, whose framing is not HTTP/1.1's. Any other is
// returned as a *Conn reading the *tls.Conn, and Handler sets its
// tls.ConnectionState as Request.TLS.
//
// tlsCfg must list the protocols to offer in NextProtos ("h2",
// "http/1.1"); it is cloned. The handshakes start with the first Accept,
// and Close stops them all and waits for their goroutines. Parked
// connections (Config.ParkIdleAfter) stay *tls.Conn underneath: the
// session is kept, only the guard's and net/http's state is let go.
func NewTLSListener(inner net.Listener, tlsCfg *tls.Config, handshakeTimeout time.Duration, cfg Config) net.Listener {
	return newListener(inner, tlsCfg.Clone(), handshakeTimeout, cfg)
}

func (l *listener) handshake(raw net.Conn) {
	defer l.wg.Done()
	if l.timeout > 0 {
		_ = raw.SetDeadline(time.Now().Add(l.timeout))
	}
	tc := tls.Server(raw, l.tlsCfg)
	if err := tc.HandshakeContext(l.ctx); err != nil {
		var re tls.RecordHeaderError
		if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
			// As net/http does for a plain request to a TLS port.
			_, _ = io.WriteString(re.Conn, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
		}
		l.s.debug(raw.RemoteAddr(), 0, "TLS handshake: "+err.Error())
		_ = raw.Close()
		return
	}
	if l.timeout > 0 {
		_ = raw.SetDeadline(time.Time{})
	}
	var c net.Conn = tc
	if st := tc.ConnectionState(); st.NegotiatedProtocol != "h2" {
		c = newConn(tc, l.s, &st)
	}
	l.deliver(c)
}

func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}
