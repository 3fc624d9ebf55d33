package transport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// flushTimeout bounds Dial's wait for the server to have taken the
// subscriptions.
const flushTimeout = 5 * time.Second

// Message is a router.register or router.unregister message as received.
// Data is the message's own copy; the handler may keep it.
type Message struct {
	Subject string
	Data    []byte
}

// Stats are the counters of the router.* subscription and the connection.
type Stats struct {
	// Delivered counts the router.register and router.unregister messages
	// handed to the handler.
	Delivered int64
	// Dropped counts the messages the client dropped because the pending
	// limits were exceeded: the handler did not keep up ("slow consumer",
	// spec §1).
	Dropped int64
	// PendingMsgs and PendingBytes are what has been received and not yet
	// handled, the message in the handler included; the pending limits
	// apply to them.
	PendingMsgs, PendingBytes int
	// Reconnects counts the connections made after the first.
	Reconnects int64
}

// Conn is a connection to NATS that feeds registrations to a handler. It
// is safe for concurrent use.
type Conn struct {
	s      *settings
	nc     *nats.Conn
	routes *nats.Subscription
	handle func(Message)

	delivered atomic.Int64

	// handleMu is held while the handler runs, so that Close can wait for
	// it; stopped, set by Close under it, keeps the handler from being
	// called again.
	handleMu sync.Mutex
	stopped  bool

	// announceMu orders router.start after the subscriptions (DEVIATION
	// of spec §2.2): a connect reported before Dial has subscribed only
	// sets pendingStart, and Dial announces once it has subscribed.
	announceMu   sync.Mutex
	subscribed   bool
	pendingStart bool

	statsMu sync.Mutex
	last    Stats // the subscription's counters as last read, for after Close

	closing   atomic.Bool
	closeOnce sync.Once
	done      chan struct{} // closed by the library's closed callback
	err       error         // why, if not by Close; written before done closes
}

// Dial connects to one of c.Servers, subscribes to router.* and
// router.greet, announces the router with router.start and returns.
//
// The initial connect is tried 3 times, 100 ms apart, each try going
// through all servers; failing that, Dial fails (gorouter exits, spec §1),
// unless c.StartWithoutNATS, when it returns a Conn that keeps trying in
// the background. ctx bounds only the initial connect.
//
// handle is called for each router.register and router.unregister
// message, one at a time, in the order they arrived (spec §1); other
// router.* subjects are ignored. router.greet requests are answered with
// the router.start payload. router.start is published after the
// subscriptions are in place, on the first connect and after every
// reconnect. Lost connections are reconnected without limit.
func Dial(ctx context.Context, c Config, handle func(Message)) (*Conn, error) {
	if handle == nil {
		return nil, errors.New("nats: Dial without a handler")
	}
	s, err := c.settings()
	if err != nil {
		return nil, err
	}
	conn := &Conn{s: s, handle: handle, done: make(chan struct{})}
	servers := redacted(s.servers)
	opts := conn.options()
	var nc *nats.Conn
	for try := 1; ; try++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("nats: connecting to %s: %w", servers, err)
		}
		nc, err = nats.Connect(strings.Join(s.servers, ","), opts...)
		if err == nil {
			break
		}
		s.Log.Warnf("nats: connecting to %s, try %d of %d: %v", servers, try, connectTries, err)
		if try == connectTries {
			break
		}
		t := time.NewTimer(connectPause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("nats: connecting to %s: %w", servers, ctx.Err())
		case <-t.C:
		}
	}
	if err != nil {
		if !s.StartWithoutNATS {
			return nil, fmt.Errorf("nats: connecting to %s failed %d times, %v apart: %w", servers, connectTries, connectPause, err)
		}
		s.Log.Warnf("nats: starting without NATS (StartWithoutNATS); connecting to %s in the background", servers)
		nc, err = nats.Connect(strings.Join(s.servers, ","), append(opts, nats.RetryOnFailedConnect(true))...)
		if err != nil {
			return nil, fmt.Errorf("nats: connecting to %s: %w", servers, err)
		}
	}
	conn.nc = nc
	if err := conn.subscribe(); err != nil {
		conn.Close()
		return nil, err
	}
	if nc.IsConnected() {
		// Once the server has answered a ping it has taken the
		// subscriptions: what is published from now on reaches the
		// handler, which tests and the startup delay rely on.
		fctx, cancel := context.WithTimeout(ctx, flushTimeout)
		err := nc.FlushWithContext(fctx)
		cancel()
		if ctx.Err() != nil {
			conn.Close()
			return nil, fmt.Errorf("nats: subscribing at %s: %w", nc.ConnectedUrlRedacted(), ctx.Err())
		}
		if err != nil {
			// Not fatal: the subscriptions are sent again on reconnect.
			s.Log.Warnf("nats: subscribing at %s: %v", nc.ConnectedUrlRedacted(), err)
		}
	}
	return conn, nil
}

// options are the client options, as gorouter sets them (spec §1).
func (c *Conn) options() []nats.Option {
	s := c.s
	opts := []nats.Option{
		nats.Name("skiff " + s.id),
		nats.MaxReconnects(-1),
		nats.PingInterval(s.PingInterval),
		nats.MaxPingsOutstanding(MaxPingsOutstanding),
		// DEVIATION: the library gives up on a server that refuses the
		// credentials twice in a row, and gorouter then exits. Reconnects
		// are meant to be unlimited (spec §1), and a router that stays up
		// while NATS' credentials are being rotated keeps its routes (with
		// pruning suspended, spec §6.4), so keep trying.
		nats.IgnoreAuthErrorAbort(),
		nats.ConnectHandler(func(nc *nats.Conn) {
			s.Log.Infof("nats: connected to %s", nc.ConnectedUrlRedacted())
			c.connected(nc)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			s.Log.Infof("nats: reconnected to %s", nc.ConnectedUrlRedacted())
			c.connected(nc)
		}),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if c.closing.Load() {
				return
			}
			if err == nil {
				err = errors.New("connection closed")
			}
			s.Log.Warnf("nats: disconnected: %v; reconnecting", err)
		}),
		nats.ReconnectErrHandler(func(nc *nats.Conn, err error) {
			s.Log.Debugf("nats: reconnecting: %v", err)
		}),
		nats.ClosedHandler(c.closed),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) && sub != nil {
				// Reported once each time the handler falls behind.
				d, _ := sub.Dropped()
				s.Log.Warnf("nats: messages dropped: the handler is behind by more than %d messages or %d bytes (%d dropped so far)", s.PendingMsgs, s.PendingBytes, d)
				return
			}
			s.Log.Errorf("nats: %v", err)
		}),
	}
	if s.User != "" {
		opts = append(opts, nats.UserInfo(s.User, s.Password))
	}
	if s.TLS != nil {
		opts = append(opts, nats.Secure(s.TLS))
	}
	if s.ReconnectWait > 0 {
		opts = append(opts, nats.ReconnectWait(s.ReconnectWait))
	}
	return opts
}

func (c *Conn) subscribe() error {
	var err error
	c.routes, err = c.nc.Subscribe(subjectRoutes, c.dispatch)
	if err != nil {
		return fmt.Errorf("nats: subscribing to %s: %w", subjectRoutes, err)
	}
	if err := c.routes.SetPendingLimits(c.s.PendingMsgs, c.s.PendingBytes); err != nil {
		return fmt.Errorf("nats: pending limits %d messages, %d bytes (PendingMsgs, PendingBytes): %w", c.s.PendingMsgs, c.s.PendingBytes, err)
	}
	// router.greet has its own subscription, as in gorouter, so that a
	// greeting is answered while the handler is busy.
	if _, err := c.nc.Subscribe(SubjectGreet, c.greet); err != nil {
		return fmt.Errorf("nats: subscribing to %s: %w", SubjectGreet, err)
	}
	c.announceMu.Lock()
	defer c.announceMu.Unlock()
	c.subscribed = true
	if c.pendingStart {
		c.announce(c.nc)
	}
	return nil
}

// connected announces the router on a new connection: the subscriptions
// have been sent again by then (the library does so before calling back).
func (c *Conn) connected(nc *nats.Conn) {
	c.announceMu.Lock()
	defer c.announceMu.Unlock()
	if !c.subscribed {
		c.pendingStart = true
		return
	}
	c.announce(nc)
}

// announce publishes router.start. Registrars send all their routes again
// when they see it, which refills the table after a restart or an outage
// (spec §2.2, §2.3). It is never published periodically.
func (c *Conn) announce(nc *nats.Conn) {
	c.pendingStart = false
	if err := nc.Publish(SubjectStart, c.s.start); err != nil {
		c.s.Log.Errorf("nats: publishing %s: %v", SubjectStart, err)
	}
}

// dispatch runs on the library's goroutine of the router.* subscription,
// one message after the other in arrival order.
func (c *Conn) dispatch(m *nats.Msg) {
	// router.start and router.greet land here too; only the two subjects
	// are for the handler (spec §1, dispatch).
	if m.Subject != SubjectRegister && m.Subject != SubjectUnregister {
		return
	}
	c.handleMu.Lock()
	defer c.handleMu.Unlock()
	if c.stopped {
		return
	}
	c.delivered.Add(1)
	c.handle(Message{Subject: m.Subject, Data: m.Data})
}

// greet answers a router.greet request with the router.start payload;
// one without a reply subject is ignored (spec §2.2).
func (c *Conn) greet(m *nats.Msg) {
	if m.Reply == "" {
		return
	}
	if err := c.nc.Publish(m.Reply, c.s.start); err != nil {
		c.s.Log.Warnf("nats: answering %s: %v", SubjectGreet, err)
	}
}

// closed is the library's closed callback: after Close, or when the
// library gave up the connection for good, which gorouter treats as fatal
// (spec §1); Done and Err tell the owner.
func (c *Conn) closed(nc *nats.Conn) {
	if !c.closing.Load() {
		err := nc.LastError()
		if err == nil {
			err = errors.New("closed by the client library")
		}
		c.err = fmt.Errorf("nats: connection closed for good: %w", err)
		c.s.Log.Error(c.err)
	}
	close(c.done)
}

// ID is the router id announced in router.start: "<Index>-<UUID v4>", the
// UUID chosen once per process (spec §2.1).
func (c *Conn) ID() string { return c.s.id }

// Start is the payload published as router.start and sent in reply to
// router.greet.
func (c *Conn) Start() Start { return c.s.startMessage() }

// PruneThreshold is the stale threshold announced in router.start:
// Config.PruneThreshold or its default, raised to the register interval
// when smaller (spec §6.1). Pruning uses the same.
func (c *Conn) PruneThreshold() time.Duration { return c.s.PruneThreshold }

// Connected tells whether the connection to NATS is up; pruning is
// suspended while it is not, with suspend_pruning_if_nats_unavailable
// (spec §6.4). It is false while reconnecting and after Close.
func (c *Conn) Connected() bool { return c.nc.IsConnected() }

// Stats returns the counters; after Close, the last ones before it.
func (c *Conn) Stats() Stats {
	c.statsMu.Lock()
	defer c.statsMu.Unlock()
	c.readSubscription()
	st := c.last
	st.Delivered = c.delivered.Load()
	st.Reconnects = int64(c.nc.Stats().Reconnects)
	return st
}

// readSubscription updates c.last from the subscription, which answers
// only while open. statsMu is held.
func (c *Conn) readSubscription() {
	if d, err := c.routes.Dropped(); err == nil {
		c.last.Dropped = int64(d)
	}
	if m, b, err := c.routes.Pending(); err == nil {
		c.last.PendingMsgs, c.last.PendingBytes = m, b
	}
}

// Done is closed when the connection is closed for good: by Close, or by
// the client library (then Err says why, and the owner should stop, as
// gorouter exits).
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the library closed the connection for good; nil while it is
// open and after Close.
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Close closes the connection and returns once the handler has returned
// and will not be called again. It must not be called from the handler.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		c.statsMu.Lock()
		if c.routes != nil {
			c.readSubscription()
		}
		// What was pending is discarded with the subscription.
		c.last.PendingMsgs, c.last.PendingBytes = 0, 0
		c.statsMu.Unlock()
		c.nc.Close()
		c.handleMu.Lock()
		c.stopped = true
		c.handleMu.Unlock()
		// The library's closed callback is its last; the library's own
		// goroutines end on their own right after.
		<-c.done
	})
	return nil
}
