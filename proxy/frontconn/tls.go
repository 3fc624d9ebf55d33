package frontconn

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
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
// and Close stops them all and waits for their goroutines.
func NewTLSListener(inner net.Listener, tlsCfg *tls.Config, handshakeTimeout time.Duration, cfg Config) net.Listener {
	ctx, cancel := context.WithCancel(context.Background())
	return &tlsListener{
		inner:   inner,
		tlsCfg:  tlsCfg.Clone(),
		timeout: handshakeTimeout,
		s:       newSettings(cfg),
		ctx:     ctx,
		cancel:  cancel,
		ready:   make(chan net.Conn),
		errs:    make(chan error),
		failed:  make(chan struct{}),
	}
}

type tlsListener struct {
	inner   net.Listener
	tlsCfg  *tls.Config
	timeout time.Duration
	s       *settings

	start  sync.Once
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	ready  chan net.Conn // handshaken connections
	errs   chan error    // temporary errors of inner.Accept
	failed chan struct{} // closed when inner.Accept failed for good, with err
	err    error
}

func (l *tlsListener) Accept() (net.Conn, error) {
	l.start.Do(func() {
		l.wg.Add(1)
		go l.acceptLoop()
	})
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.failed:
		return nil, l.err
	case <-l.ctx.Done():
		return nil, net.ErrClosed
	}
}

func (l *tlsListener) acceptLoop() {
	defer l.wg.Done()
	for {
		raw, err := l.inner.Accept()
		if err != nil {
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() && l.ctx.Err() == nil {
				// Let the server see it (it backs off) before accepting
				// again.
				select {
				case l.errs <- err:
					continue
				case <-l.ctx.Done():
					return
				}
			}
			l.err = err
			close(l.failed)
			return
		}
		l.wg.Add(1)
		go l.handshake(raw)
	}
}

func (l *tlsListener) handshake(raw net.Conn) {
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
	select {
	case l.ready <- c:
	case <-l.ctx.Done():
		_ = c.Close()
	}
}

func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// Close closes inner, stops the handshakes and waits for them.
func (l *tlsListener) Close() error {
	l.cancel()
	l.start.Do(func() {})
	err := l.inner.Close()
	l.wg.Wait()
	return err
}

func (l *tlsListener) Addr() net.Addr { return l.inner.Addr() }
