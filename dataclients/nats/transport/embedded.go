package transport

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/sirupsen/logrus"
)

// EmbeddedStartTimeout bounds how long StartEmbedded waits for the server
// to accept connections.
const EmbeddedStartTimeout = 10 * time.Second

// Embedded is a NATS server running inside the process, listening on a
// loopback address only, for "-nats-servers embedded": one machine runs
// skiff and its registrars with nothing else installed. It has no
// authentication, no TLS and no JetStream.
type Embedded struct {
	srv  *server.Server
	addr string
	log  logrus.FieldLogger

	mu     sync.Mutex
	closed bool
}

// StartEmbedded starts a NATS server listening for clients at addr,
// host:port on a loopback address ("127.0.0.1:4222", NATS' own port, is
// what NATS tools try by default); "" or port 0 picks a free port. It
// returns once the server accepts connections. log receives the server's
// warnings and errors (its routine notices at debug level); nil means
// logrus' standard logger.
func StartEmbedded(addr string, log logrus.FieldLogger) (*Embedded, error) {
	host, port := "127.0.0.1", server.RANDOM_PORT
	if addr != "" {
		h, p, err := loopbackAddr(addr)
		if err != nil {
			return nil, err
		}
		host = h
		if p != 0 {
			port = p
		}
	}
	if log == nil {
		log = logrus.StandardLogger()
	}
	log = log.WithField("component", "embedded-nats")
	srv, err := server.NewServer(&server.Options{
		ServerName: "skiff-embedded",
		Host:       host,
		Port:       port,
		// skiff handles the signals; the server must not exit the process.
		NoSigs: true,
		// No HTTP monitoring, clustering, leaf nodes or JetStream: their
		// zero values leave them off.
	})
	if err != nil {
		return nil, fmt.Errorf("embedded nats at %s: %w", addr, err)
	}
	l := &serverLog{log: log}
	srv.SetLogger(l, false, false)
	srv.Start()
	if err := waitReady(srv, l, EmbeddedStartTimeout); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("embedded nats at %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	e := &Embedded{srv: srv, addr: srv.Addr().String(), log: log}
	log.Infof("embedded nats serving at %s", e.URL())
	return e, nil
}

// waitReady waits until srv accepts connections or has reported a fatal
// error (a taken port, say), which the server only logs.
func waitReady(srv *server.Server, l *serverLog, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if srv.ReadyForConnections(25 * time.Millisecond) {
			return nil
		}
		if err := l.fatal(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not accepting connections after %v", timeout)
		}
	}
}

// loopbackAddr checks that addr is host:port on a loopback address: the
// embedded server has no authentication and must not be reachable from
// elsewhere.
func loopbackAddr(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("embedded nats: address %q: want host:port: %w", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", 0, fmt.Errorf("embedded nats: address %q: port must be 0-65535", addr)
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		return "", 0, fmt.Errorf("embedded nats: address %q: want a loopback address such as 127.0.0.1:4222; the embedded server has no authentication", addr)
	}
	return ip.String(), p, nil
}

// URL is the server's client URL, nats://127.0.0.1:port, for
// Config.Servers.
func (e *Embedded) URL() string { return "nats://" + e.addr }

// Addr is the host:port the server listens at.
func (e *Embedded) Addr() string { return e.addr }

// Close stops the server and waits until it has; clients see it gone.
func (e *Embedded) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	e.log.Infof("embedded nats at %s stopped", e.URL())
	return nil
}

// serverLog is the server's logger: its notices (start-up banner, every
// client's coming and going at debug) are routine for a proxy's log. A
// fatal error is kept for waitReady rather than ending the process.
type serverLog struct {
	log logrus.FieldLogger

	mu       sync.Mutex
	fatalErr error
}

func (l *serverLog) fatal() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fatalErr
}

func (l *serverLog) Noticef(format string, v ...any) { l.log.Debugf(format, v...) }
func (l *serverLog) Warnf(format string, v ...any)   { l.log.Warnf(format, v...) }
func (l *serverLog) Errorf(format string, v ...any)  { l.log.Errorf(format, v...) }
func (l *serverLog) Debugf(format string, v ...any)  { l.log.Debugf(format, v...) }
func (l *serverLog) Tracef(format string, v ...any)  {}

func (l *serverLog) Fatalf(format string, v ...any) {
	l.log.Errorf(format, v...)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fatalErr == nil {
		l.fatalErr = fmt.Errorf(format, v...)
	}
}
