// Package natstest runs a real NATS server inside the test process, on a
// free loopback port, for tests of code that talks to NATS.
//
//	srv := natstest.Start(t)
//	conn, _ := transport.Dial(ctx, transport.Config{Servers: []string{srv.URL()}}, handle)
//	pub := srv.Connect(t) // publish registrations as a route emitter would
//
// Outage tests stop the server (Shutdown) and start it again at the same
// address (Restart). StartWith adds user/password authentication and TLS,
// with certificates made for the test.
package natstest

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/sirupsen/logrus"
)

// startTimeout bounds the wait for a server to accept connections.
const startTimeout = 10 * time.Second

// Options choose what a server asks of its clients.
type Options struct {
	// User and Password, when User is set, are required of every client.
	User, Password string
	// TLS makes the server speak TLS only, with a certificate for
	// 127.0.0.1 and localhost signed by a CA made for the test.
	TLS bool
	// VerifyClients (with TLS) requires a client certificate signed by
	// that CA: mTLS.
	VerifyClients bool
}

// Server is a NATS server of a test.
type Server struct {
	opts   Options
	log    *testLog
	certs  *Certs // with Options.TLS
	srvTLS *tls.Config
	port   int

	mu  sync.Mutex
	srv *server.Server // nil while shut down
}

// Start starts a NATS server with no authentication and no TLS on a free
// loopback port, and shuts it down when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith starts a NATS server with the given options on a free
// loopback port, and shuts it down when t ends. Its log goes to t's log.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	if o.VerifyClients && !o.TLS {
		t.Fatal("natstest: VerifyClients without TLS")
	}
	s := &Server{opts: o, log: newTestLog(t), port: server.RANDOM_PORT}
	if o.TLS {
		s.certs = NewCerts(t)
		c, err := server.GenTLSConfig(&server.TLSConfigOpts{
			CertFile: s.certs.ServerCertFile,
			KeyFile:  s.certs.ServerKeyFile,
			CaFile:   s.certs.CAFile,
			Verify:   o.VerifyClients,
			Timeout:  2,
		})
		if err != nil {
			t.Fatalf("natstest: server TLS: %v", err)
		}
		s.srvTLS = c
	}
	if err := s.start(); err != nil {
		t.Fatalf("natstest: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	opts := &server.Options{
		Host:     "127.0.0.1",
		Port:     s.port,
		NoSigs:   true,
		Username: s.opts.User,
		Password: s.opts.Password,
	}
	if s.srvTLS != nil {
		opts.TLS = true
		opts.TLSConfig = s.srvTLS
		opts.TLSVerify = s.opts.VerifyClients
		opts.TLSTimeout = 2
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("new server: %w", err)
	}
	l := &serverLog{log: s.log}
	srv.SetLogger(l, false, false)
	srv.Start()
	deadline := time.Now().Add(startTimeout)
	for !srv.ReadyForConnections(25 * time.Millisecond) {
		err := l.fatal()
		if err == nil && time.Now().After(deadline) {
			err = fmt.Errorf("not accepting connections after %v", startTimeout)
		}
		if err != nil {
			srv.Shutdown()
			srv.WaitForShutdown()
			return fmt.Errorf("starting at 127.0.0.1:%d: %w", s.port, err)
		}
	}
	s.srv = srv
	s.port = srv.Addr().(*net.TCPAddr).Port
	return nil
}

// URL is the server's client URL, nats://127.0.0.1:port (also for a TLS
// server: clients with a TLS configuration speak TLS to it).
func (s *Server) URL() string { return "nats://" + s.Addr() }

// Addr is the host:port the server listens at, the same after Restart.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// Running tells whether the server is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv != nil
}

// Shutdown stops the server and waits until it has: its clients lose
// their connections and cannot reconnect until Restart. Stopping a
// stopped server does nothing.
func (s *Server) Shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return
	}
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	s.srv = nil
}

// Restart stops the server if it runs and starts it again at the same
// address, with the same options; clients reconnect to it. Subscriptions
// and messages in flight are gone, as with a real server's restart.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Shutdown()
	// The port was free a moment ago, but the kernel may still hold it
	// for an instant after the listener closed.
	var err error
	for range 50 {
		if err = s.start(); err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("natstest: restart: %v", err)
	}
}

// ClientTLS is a client TLS configuration for a TLS server: it trusts
// the test's CA and, with VerifyClients, presents a client certificate.
// nil for a server without TLS.
func (s *Server) ClientTLS() *tls.Config {
	if s.certs == nil {
		return nil
	}
	return s.certs.ClientTLS(s.opts.VerifyClients)
}

// Certs are the certificates of a TLS server; nil for a server without
// TLS.
func (s *Server) Certs() *Certs { return s.certs }

// Connect returns a plain client of the server (with its user, password
// and TLS), for a test to publish and subscribe behind the back of the
// code under test. It is closed when t ends.
func (s *Server) Connect(t testing.TB, opts ...nats.Option) *nats.Conn {
	t.Helper()
	o := []nats.Option{nats.Name("natstest client"), nats.MaxReconnects(-1), nats.ReconnectWait(50 * time.Millisecond)}
	if s.opts.User != "" {
		o = append(o, nats.UserInfo(s.opts.User, s.opts.Password))
	}
	if c := s.ClientTLS(); c != nil {
		o = append(o, nats.Secure(c))
	}
	nc, err := nats.Connect(s.URL(), append(o, opts...)...)
	if err != nil {
		t.Fatalf("natstest: connecting to %s: %v", s.URL(), err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// serverLog is the server's logger, writing to the test's log; a fatal
// error (a taken port) is kept for start instead of ending the process.
type serverLog struct {
	log *testLog

	mu       sync.Mutex
	fatalErr error
}

func (l *serverLog) fatal() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fatalErr
}

func (l *serverLog) Noticef(format string, v ...any) { l.log.printf("nats-server: "+format, v...) }
func (l *serverLog) Warnf(format string, v ...any) {
	l.log.printf("nats-server: warning: "+format, v...)
}
func (l *serverLog) Errorf(format string, v ...any) {
	l.log.printf("nats-server: error: "+format, v...)
}
func (l *serverLog) Debugf(format string, v ...any) {}
func (l *serverLog) Tracef(format string, v ...any) {}

func (l *serverLog) Fatalf(format string, v ...any) {
	l.log.printf("nats-server: fatal: "+format, v...)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fatalErr == nil {
		l.fatalErr = fmt.Errorf(format, v...)
	}
}

// testLog writes to t's log until t ends; what a server's goroutine logs
// later is dropped instead of failing the test run.
type testLog struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func newTestLog(t testing.TB) *testLog {
	l := &testLog{t: t}
	// Registered before the server's cleanup, so it runs after it: the
	// server logs while it shuts down.
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.done = true
	})
	return l
}

func (l *testLog) printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Logf(format, v...)
	}
}

func (l *testLog) Write(p []byte) (int, error) {
	l.printf("%s", strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// Logger returns a logger writing to t's log until t ends, for the code
// under test (transport.Config.Log); what is logged later, by a goroutine
// not yet stopped, is dropped instead of failing the test run.
func Logger(t testing.TB) logrus.FieldLogger {
	log := logrus.New()
	log.SetOutput(newTestLog(t))
	log.SetLevel(logrus.DebugLevel)
	return log
}
