package frontconn_test

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"

	"github.com/skiff-proxy/skiff/proxy/frontconn"
)

// The guard wraps the listener; ConnContext and Handler (outermost) let
// it answer the requests it refuses.
func ExampleNewListener() {
	var h http.Handler // the proxy
	srv := &http.Server{
		Handler:           frontconn.Handler(h),
		ConnContext:       frontconn.ConnContext,
		ReadHeaderTimeout: time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
	ln, err := net.Listen("tcp", ":9090")
	if err != nil {
		return
	}
	_ = srv.Serve(frontconn.NewListener(ln, frontconn.Config{
		MaxHeaderBytes: srv.MaxHeaderBytes,
		HeadTimeout:    srv.ReadHeaderTimeout,
	}))
}

// Over TLS the guard does the handshakes: Serve, not ServeTLS, and the
// protocols to offer in NextProtos.
func ExampleNewTLSListener() {
	var h http.Handler // the proxy
	var cert tls.Certificate
	tc := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
	srv := &http.Server{
		Handler:           frontconn.Handler(h),
		ConnContext:       frontconn.ConnContext,
		TLSConfig:         tc,
		ReadHeaderTimeout: time.Minute,
	}
	ln, err := net.Listen("tcp", ":9443")
	if err != nil {
		return
	}
	_ = srv.Serve(frontconn.NewTLSListener(ln, tc, srv.ReadHeaderTimeout, frontconn.Config{
		HeadTimeout: srv.ReadHeaderTimeout,
	}))
}

// After a 101 the proxy hands the hijacked connection over to raw bytes.
func ExampleConn_Passthrough() {
	var w http.ResponseWriter // of the upgrade request
	client, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if pt, ok := client.(interface{ Passthrough() }); ok {
		pt.Passthrough() // before the relay reads brw.Reader
	}
	_ = brw
}
