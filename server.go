package skiff

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/proxy/frontconn"
)

// newProxyServer is the client-facing server. Its timeouts are the spec
// §8 server timeouts; WriteTimeout is off unless asked for, because it
// would cut long downloads and streams.
func newProxyServer(c *config, h http.Handler, l logrus.FieldLogger) *http.Server {
	// Outermost first (spec proxy.md §1): content length, query
	// validation, host normalisation, forwarded headers.
	if c.forwarded != nil {
		h = forwardedHandler{c.forwarded, h}
	}
	if c.NormalizeHost {
		h = hostNormalizer{h}
	}
	if !c.DisableValidateQuery {
		h = queryValidator{h}
	}
	if c.MaxContentLength > 0 {
		h = contentLengthLimit{c.MaxContentLength, h}
	}
	// The connection guard answers the requests it refused before any of
	// the above sees them.
	h = frontconn.Handler(h)
	s := &http.Server{
		Handler:           h,
		ConnContext:       frontconn.ConnContext,
		ReadTimeout:       c.ReadTimeoutServer,
		ReadHeaderTimeout: c.ReadHeaderTimeoutServer,
		WriteTimeout:      c.WriteTimeoutServer,
		IdleTimeout:       c.IdleTimeoutServer,
		MaxHeaderBytes:    c.MaxHeaderBytes,
		ErrorLog:          serverErrorLog(l),
	}
	if c.EnableH2C && c.TLSCert == "" {
		// net/http serves cleartext HTTP/2 with prior knowledge itself
		// (golang.org/x/net/http2/h2c is deprecated in its favour); the
		// HTTP/1.1 "Upgrade: h2c" dance is not offered.
		s.Protocols = new(http.Protocols)
		s.Protocols.SetHTTP1(true)
		s.Protocols.SetUnencryptedHTTP2(true)
	}
	return s
}

// Bounds of the support listener. Its answers are small or, for
// /debug/pprof/profile and /trace, take at most the asked-for seconds
// (30 by default), so a client that stops reading or trickles a request
// is cut after a few minutes instead of holding a goroutine for ever.
const (
	supportReadHeaderTimeout = 10 * time.Second
	supportReadTimeout       = time.Minute
	supportWriteTimeout      = 5 * time.Minute
	supportMaxHeaderBytes    = 64 << 10
)

// newSupportServer is the server of /health, /routes and /debug/pprof.
func newSupportServer(c *config, h http.Handler, l logrus.FieldLogger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: supportReadHeaderTimeout,
		ReadTimeout:       supportReadTimeout,
		WriteTimeout:      supportWriteTimeout,
		IdleTimeout:       c.IdleTimeoutServer,
		MaxHeaderBytes:    supportMaxHeaderBytes,
		ErrorLog:          serverErrorLog(l),
	}
}

// serveProxy serves the proxy listener, over TLS with HTTP/2 by ALPN when
// a certificate is configured. Every HTTP/1.x connection is read through
// the framing guard of package frontconn: net/http's parser alone lets
// ambiguous framing through (request smuggling) and holds unfinished
// request heads without a bound across connections.
func serveProxy(s *http.Server, ln net.Listener, c *config) error {
	guard := frontconn.Config{
		MaxRequestLineBytes: c.MaxRequestLineBytes,
		MaxHeaderBytes:      c.MaxHeaderBytes,
		MaxTotalHeaderBytes: c.MaxTotalHeaderBytes,
		HeadTimeout:         c.ReadHeaderTimeoutServer,
		H2C:                 c.EnableH2C && c.cert == nil,
		Logger:              c.log,
	}
	if c.cert != nil {
		s.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{*c.cert},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2", "http/1.1"},
		}
		// The guard's listener does the handshakes (net/http would bound
		// them by the header timeout too) and hands HTTP/2 connections
		// to net/http as they are.
		ln = frontconn.NewTLSListener(ln, s.TLSConfig, c.ReadHeaderTimeoutServer, guard)
	} else {
		ln = frontconn.NewListener(ln, guard)
	}
	err := s.Serve(ln)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("proxy listener: %w", err)
	}
	return nil
}

// serverErrorLog routes net/http's own messages (TLS handshake errors,
// panics recovered by the server) to the application log at debug level:
// they are per-connection noise that a client can trigger at will.
func serverErrorLog(l logrus.FieldLogger) *log.Logger {
	return log.New(debugWriter{l}, "", 0)
}

type debugWriter struct{ l logrus.FieldLogger }

func (w debugWriter) Write(p []byte) (int, error) {
	w.l.Debug(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
