package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	grpcbackoff "google.golang.org/grpc/backoff"
	"google.golang.org/grpc/status"

	"github.com/skiff-proxy/skiff/dataclients"
)

// ErrClosed is returned (wrapped) by a Client's methods after Close.
var ErrClosed = errors.New("etcd client closed")

// Client reads routes from etcd and writes them. Create it with New. Its
// methods may be called concurrently; Run at most once at a time.
type Client struct {
	cfg *config
	log logrus.FieldLogger

	mu     sync.Mutex
	etcd   *clientv3.Client // made on first use
	closed bool
	// closing ends with Close, and with it a running Run.
	closing     context.Context
	closeCancel context.CancelFunc

	// lastRPCError is the error of the last failed request attempt: the
	// etcd library retries until the request's deadline and then reports
	// only the deadline, which alone does not say what is wrong.
	lastRPCError atomic.Pointer[rpcError]

	running atomic.Bool
	// contact is when etcd last answered (a read, or anything on the
	// watch), in Unix nanoseconds; 0 before the first answer.
	contact   atomic.Int64
	connected atomic.Bool

	hooks hooks
}

// hooks let tests act at points of Run that they cannot reach otherwise.
type hooks struct {
	// beforeWatch runs before a watch starting at revision from is made.
	beforeWatch func(from int64)
}

var _ dataclients.DataClient = (*Client)(nil)

// New checks o and returns a client. It does not contact etcd: the
// connection is made by the first Run or store operation, and made again
// whenever it is lost.
func New(o Options) (*Client, error) {
	cfg, err := o.check()
	if err != nil {
		return nil, err
	}
	closing, closeCancel := context.WithCancel(context.Background())
	return &Client{
		cfg:         cfg,
		log:         cfg.Log.WithFields(logrus.Fields{"dataclient": "etcd", "prefix": cfg.Prefix}),
		closing:     closing,
		closeCancel: closeCancel,
	}, nil
}

// Name is "etcd".
func (c *Client) Name() string { return "etcd" }

// Close ends the connection to etcd; a running Run returns, and later
// calls fail with ErrClosed. Closing twice is no error.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.closeCancel()
	if c.etcd == nil {
		return nil
	}
	if err := c.etcd.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("etcd: closing the connection: %w", err)
	}
	return nil
}

// LastContact tells when etcd last answered this client (a read, or
// anything on Run's watch, which hears from etcd at least every Timeout
// while it is live), and whether the client is connected: Run has read
// the routes and its watch is live. Before the first answer the time is
// zero.
func (c *Client) LastContact() (time.Time, bool) {
	var t time.Time
	if n := c.contact.Load(); n != 0 {
		t = time.Unix(0, n)
	}
	return t, c.connected.Load()
}

func (c *Client) touch() { c.contact.Store(time.Now().UnixNano()) }

// endpoints names the endpoints in messages.
func (c *Client) endpoints() string { return strings.Join(c.cfg.Endpoints, ",") }

// conn returns the etcd client library's client, making it on first use.
// Making it logs in when a user is configured, which needs etcd: it fails
// while etcd is out of reach and is tried again on the next call.
func (c *Client) conn() (*clientv3.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if c.etcd != nil {
		return c.etcd, nil
	}
	dial := c.cfg.DialTimeout
	if dial < 0 {
		dial = 0 // no limit, as clientv3 spells it
	}
	connect := grpc.ConnectParams{
		// Connecting again after a lost connection backs off within the
		// same bounds as Run's attempts to read again.
		Backoff: grpcbackoff.Config{
			BaseDelay:  c.cfg.MinBackoff,
			Multiplier: 2,
			Jitter:     0.2,
			MaxDelay:   c.cfg.MaxBackoff,
		},
		MinConnectTimeout: dial,
	}
	if dial == 0 {
		connect.MinConnectTimeout = 20 * time.Second // gRPC's own default
	}
	etcd, err := clientv3.New(clientv3.Config{
		Endpoints:   c.cfg.Endpoints,
		DialTimeout: dial,
		// Pings find a connection that died silently (a member's host
		// gone) without waiting for a request to time out.
		DialKeepAliveTime:    30 * time.Second,
		DialKeepAliveTimeout: 10 * time.Second,
		TLS:                  c.cfg.tls,
		Username:             c.cfg.Username,
		Password:             c.cfg.Password,
		Logger:               ZapLogger(c.log),
		DialOptions: []grpc.DialOption{
			grpc.WithConnectParams(connect),
			// Inside the library's retries, so it sees every attempt.
			grpc.WithChainUnaryInterceptor(c.recordErrors),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("etcd at %s: connecting: %w", c.endpoints(), err)
	}
	c.etcd = etcd
	return etcd, nil
}

// requestCtx limits one request to Timeout.
func (c *Client) requestCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.cfg.Timeout < 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.cfg.Timeout)
}

type rpcError struct {
	err error
	at  time.Time
}

// recordErrors is a gRPC interceptor that keeps the last failure of a
// request attempt for explain.
func (c *Client) recordErrors(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err != nil {
		c.lastRPCError.Store(&rpcError{err: err, at: time.Now()})
	}
	return err
}

// explain adds to a request's deadline error the failure behind it, when
// an attempt failed after start.
func (c *Client) explain(err error, start time.Time) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	last := c.lastRPCError.Load()
	if last == nil || last.at.Before(start) {
		return err
	}
	msg := last.err.Error()
	if st, ok := status.FromError(last.err); ok {
		msg = st.Message()
	}
	if msg == "" || msg == err.Error() {
		return err
	}
	return fmt.Errorf("%w (%s)", err, msg)
}
