package etcd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// EmbeddedStartTimeout bounds how long StartEmbedded (and Embedded.Start)
// wait for the server to be ready to serve requests.
const EmbeddedStartTimeout = 30 * time.Second

// Embedded is a single-member etcd server running inside the process, on
// loopback addresses only, for "-etcd-urls embedded" and for tests.
type Embedded struct {
	dir       string
	removeDir bool // dir was created by StartEmbedded and goes with Close
	client    url.URL
	peer      url.URL
	log       logrus.FieldLogger
	// stopping is set while the server shuts down, when it logs the
	// closing of every listener as an error.
	stopping atomic.Bool

	mu     sync.Mutex
	srv    *embed.Etcd
	closed bool
	// endStreams ends the streams (watches) of the running server. A
	// graceful gRPC stop waits for every stream to end, and clients never
	// end a watch by themselves, so without this each stop would take
	// etcd's request timeout (7 s) with a client watching.
	endStreams context.CancelFunc
}

// StartEmbedded starts a single-member etcd server keeping its data in
// dataDir (created if missing; an empty dataDir means a new temporary
// directory that Close removes). It listens for clients and peers on free
// loopback ports and returns once the server answers requests, or fails
// after EmbeddedStartTimeout. log receives the server's warnings and
// errors (its routine messages at debug level); nil means logrus' standard
// logger.
func StartEmbedded(dataDir string, log logrus.FieldLogger) (*Embedded, error) {
	return StartEmbeddedAt(dataDir, "", log)
}

// StartEmbeddedAt is StartEmbedded with the client address given:
// host:port on a loopback address ("127.0.0.1:2379", etcd's own, is what
// "skiff etcd" and etcdctl try by default). "" picks a free port.
func StartEmbeddedAt(dataDir, clientAddr string, log logrus.FieldLogger) (*Embedded, error) {
	var fixed *url.URL
	if clientAddr != "" {
		u, err := loopbackURL(clientAddr)
		if err != nil {
			return nil, err
		}
		fixed = u
	}
	if log == nil {
		log = logrus.StandardLogger()
	}
	e := &Embedded{dir: dataDir, log: log.WithField("component", "embedded-etcd")}
	if e.dir == "" {
		d, err := os.MkdirTemp("", "skiff-etcd-")
		if err != nil {
			return nil, fmt.Errorf("embedded etcd: creating a data directory: %w", err)
		}
		e.dir, e.removeDir = d, true
	}
	// Ports are picked before the server binds them, so another program
	// may take one in between: try again with new ones in that case.
	var err error
	for range 3 {
		if err = e.pickPorts(); err != nil {
			break
		}
		if fixed != nil {
			e.client = *fixed
		}
		if err = e.Start(); err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	if err != nil {
		if e.removeDir {
			os.RemoveAll(e.dir)
		}
		if fixed != nil && errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("embedded etcd: %s is taken (an etcd running already? then give its URL instead of \"embedded\"): %w", fixed.Host, err)
		}
		return nil, err
	}
	return e, nil
}

// loopbackURL checks that addr is host:port on a loopback address: the
// embedded server has no authentication and is not meant to be reached
// from elsewhere.
func loopbackURL(addr string) (*url.URL, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("embedded etcd: client address %q: want host:port: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("embedded etcd: client address %q: port must be 1-65535", addr)
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("embedded etcd: client address %q: want a loopback address such as 127.0.0.1:2379; the embedded server has no authentication", addr)
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(ip.String(), port)}, nil
}

// pickPorts chooses a free loopback port each for clients and peers. They
// are fixed from then on, so that a restarted server (Stop, Start) is
// found at the same endpoints.
func (e *Embedded) pickPorts() error {
	var ports [2]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("embedded etcd: finding a free port: %w", err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	e.client = url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))}
	e.peer = url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))}
	return nil
}

// Endpoints are the client URLs to give Options.Endpoints.
func (e *Embedded) Endpoints() []string { return []string{e.client.String()} }

// DataDir is where the server keeps its data.
func (e *Embedded) DataDir() string { return e.dir }

// Start starts the server again after Stop, with the same data and at the
// same endpoints. It does nothing if the server is running and fails after
// Close.
func (e *Embedded) Start() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("embedded etcd: start after close")
	}
	if e.srv != nil {
		return nil
	}
	// etcd wants its data private and warns otherwise.
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		return fmt.Errorf("embedded etcd: creating data directory: %w", err)
	}
	streams, endStreams := context.WithCancel(context.Background())
	srv, err := embed.StartEtcd(e.config(streams))
	if err != nil {
		endStreams()
		return fmt.Errorf("embedded etcd: starting in %s at %s: %w", e.dir, e.client.String(), err)
	}
	timeout := time.NewTimer(EmbeddedStartTimeout)
	defer timeout.Stop()
	select {
	case <-srv.Server.ReadyNotify():
	case err = <-srv.Err():
	case <-timeout.C:
		err = fmt.Errorf("not ready after %v", EmbeddedStartTimeout)
	}
	if err != nil {
		e.stopping.Store(true)
		endStreams()
		srv.Close()
		e.stopping.Store(false)
		return fmt.Errorf("embedded etcd: starting in %s at %s: %w", e.dir, e.client.String(), err)
	}
	e.srv, e.endStreams = srv, endStreams
	e.log.Infof("embedded etcd serving at %s, data in %s", e.client.String(), e.dir)
	return nil
}

func (e *Embedded) config(streams context.Context) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = "skiff"
	cfg.Dir = e.dir
	cfg.ListenClientUrls = []url.URL{e.client}
	cfg.AdvertiseClientUrls = []url.URL{e.client}
	cfg.ListenPeerUrls = []url.URL{e.peer}
	cfg.AdvertisePeerUrls = []url.URL{e.peer}
	cfg.InitialCluster = cfg.Name + "=" + e.peer.String()
	cfg.InitialClusterToken = "skiff-embedded"
	// Nothing serves metrics or the HTTP gateway to the outside here;
	// the gateway would only add goroutines dialing the server itself.
	cfg.EnableGRPCGateway = false
	// Route changes are rare; keeping an hour of history lets watches
	// that fell behind catch up, while the store does not grow forever.
	cfg.AutoCompactionMode = embed.CompactorModePeriodic
	cfg.AutoCompactionRetention = "1h"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zapToLogrus(e.log, e.levels))
	cfg.GRPCAdditionalServerOptions = []grpc.ServerOption{grpc.ChainStreamInterceptor(endWith(streams))}
	return cfg
}

// Stop stops the server and waits until it has, keeping its data and
// endpoints for Start: clients see an outage. Stopping a stopped server
// does nothing.
func (e *Embedded) Stop() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stop()
}

func (e *Embedded) stop() error {
	if e.srv == nil {
		return nil
	}
	e.stopping.Store(true)
	e.endStreams()
	e.srv.Close()
	e.stopping.Store(false)
	e.srv, e.endStreams = nil, nil
	e.log.Infof("embedded etcd at %s stopped", e.client.String())
	return nil
}

// Close stops the server for good and waits until it has; a data
// directory StartEmbedded created is removed.
func (e *Embedded) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	err := e.stop()
	if e.removeDir {
		if rerr := os.RemoveAll(e.dir); rerr != nil && err == nil {
			err = fmt.Errorf("embedded etcd: removing data directory: %w", rerr)
		}
	}
	return err
}

// levels maps the server's log levels to skiff's. Its info messages
// (elections, snapshots, every listener) and its warnings about a setup
// that is deliberate here (one port for HTTP and gRPC, no TLS, simple
// auth tokens) are routine for a proxy's log; while it stops, it reports
// every closed listener as an error, which is not one.
func (e *Embedded) levels(l zapcore.Level) (logrus.Level, bool) {
	switch {
	case l < zapcore.InfoLevel:
		return 0, false
	case l == zapcore.InfoLevel || e.stopping.Load():
		return logrus.DebugLevel, true
	case l == zapcore.WarnLevel:
		return logrus.InfoLevel, true
	default:
		return logrus.ErrorLevel, true
	}
}

// endWith is a stream interceptor that ends every stream when ctx ends. A
// stream ended so fails with Unavailable, as one cut by a crashed server
// does, so that clients treat it as an outage and come back.
func endWith(ctx context.Context) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		sctx, cancel := context.WithCancel(ss.Context())
		defer cancel()
		stop := context.AfterFunc(ctx, cancel)
		defer stop()
		err := handler(srv, &ctxStream{ServerStream: ss, ctx: sctx})
		if ctx.Err() != nil {
			return status.Error(codes.Unavailable, "embedded etcd stopping")
		}
		return err
	}
}

// ctxStream is a server stream with another context.
type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }
