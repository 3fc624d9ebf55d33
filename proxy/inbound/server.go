package inbound

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/internal/applog"
	"github.com/skiff-proxy/skiff/proxy/frontconn"
	"github.com/skiff-proxy/skiff/proxy/h1server"
)

// Config is the proxy listener's: its server timeouts and bounds, and the
// steps every request goes through before routing. Durations are final
// (zero: none); the caller applies the defaults.
type Config struct {
	ReadTimeout, ReadHeaderTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                                            int // one request head
	MaxRequestLineBytes                                       int
	MaxTotalHeaderBytes                                       int64 // unfinished heads of all connections
	// ParkIdleAfter: see frontconn.Config (zero: its default; negative: never).
	ParkIdleAfter time.Duration
	// Cert makes the listener serve TLS, with HTTP/2 negotiated by ALPN;
	// EnableH2C serves cleartext HTTP/2 with prior knowledge without it.
	// TLS, when set, is the TLS configuration instead of Cert's (all
	// certificates, minimum version, client authentication, key log); it
	// is cloned and the protocols to negotiate are set on the clone. Cert
	// must then be one of its certificates.
	Cert      *tls.Certificate
	TLS       *tls.Config
	EnableH2C bool
	// NetHTTPServer leaves every connection to net/http's server; by
	// default skiff's own (package h1server) serves the common HTTP/1.1
	// requests and hands the rest to net/http.
	NetHTTPServer bool

	// The steps before routing, in the order they run.
	MaxContentLength int64 // > 0: a larger announced body is answered 413
	ValidateQuery    bool  // a query url.ParseQuery rejects is answered 400
	NormalizeHost    bool  // Host lower-cased, port and trailing dot dropped
	Forwarded        *Forwarded

	Log logrus.FieldLogger
}

// NewServer returns the client-facing server of h: skiff's HTTP/1.1
// server in front of net/http's (HTTP). WriteTimeout is off unless asked
// for, because it would cut long downloads and streams.
func NewServer(c Config, h http.Handler) *h1server.Server {
	// Innermost first, so that they run in the order of Config.
	if c.Forwarded != nil {
		h = forwardedHandler{c.Forwarded, h}
	}
	if c.NormalizeHost {
		h = hostNormalizer{h}
	}
	if c.ValidateQuery {
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
		ReadTimeout:       c.ReadTimeout,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    c.MaxHeaderBytes,
		ErrorLog:          applog.ServerLog(c.Log),
	}
	if c.EnableH2C && c.Cert == nil {
		// net/http serves cleartext HTTP/2 with prior knowledge itself
		// (golang.org/x/net/http2/h2c is deprecated in its favour); the
		// HTTP/1.1 "Upgrade: h2c" dance is not offered.
		s.Protocols = new(http.Protocols)
		s.Protocols.SetHTTP1(true)
		s.Protocols.SetUnencryptedHTTP2(true)
	}
	fs := h1server.New(s)
	fs.NetHTTPOnly = c.NetHTTPServer
	return fs
}

// Serve serves fs on ln, over TLS with HTTP/2 by ALPN when c has a
// certificate, until fs is shut down. Every HTTP/1.x connection is read
// through the framing guard of package frontconn: net/http's parser alone
// lets ambiguous framing through (request smuggling) and holds unfinished
// request heads without a bound across connections.
func Serve(fs *h1server.Server, ln net.Listener, c Config) error {
	s := fs.HTTP
	guard := frontconn.Config{
		MaxRequestLineBytes: c.MaxRequestLineBytes,
		MaxHeaderBytes:      c.MaxHeaderBytes,
		MaxTotalHeaderBytes: c.MaxTotalHeaderBytes,
		HeadTimeout:         c.ReadHeaderTimeout,
		ParkIdleAfter:       c.ParkIdleAfter,
		H2C:                 c.EnableH2C && c.Cert == nil,
		Logger:              c.Log,
	}
	if c.Cert != nil {
		if c.TLS != nil {
			s.TLSConfig = c.TLS.Clone()
		} else {
			s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*c.Cert}}
		}
		if s.TLSConfig.MinVersion == 0 {
			s.TLSConfig.MinVersion = tls.VersionTLS12
		}
		s.TLSConfig.NextProtos = []string{"h2", "http/1.1"}
		// The guard's listener does the handshakes (net/http would bound
		// them by the header timeout too) and hands HTTP/2 connections
		// to net/http as they are.
		ln = frontconn.NewTLSListener(ln, s.TLSConfig, c.ReadHeaderTimeout, guard)
	} else {
		ln = frontconn.NewListener(ln, guard)
	}
	err := fs.Serve(ln)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("proxy listener: %w", err)
	}
	return nil
}
