package frontconn

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"
)

// NewListener returns a listener whose connections are those of inner,
// each wrapped in a *Conn. Its connections share the MaxTotalHeaderBytes
// budget. Unless Config.ParkIdleAfter is negative it also hands out again
// the keep-alive connections it parked (see Config.ParkIdleAfter), and
// Close closes those.
func NewListener(inner net.Listener, cfg Config) net.Listener {
	return newListener(inner, nil, 0, cfg)
}

// listener is the guard's listener, plain or TLS. Without parking a plain
// one accepts in Accept itself; otherwise a goroutine of its own accepts
// (started by the first Accept), so that Accept can return new and
// unparked connections alike.
type listener struct {
	inner   net.Listener
	s       *settings
	tlsCfg  *tls.Config // nil: plain
	timeout time.Duration

	start  sync.Once
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept loop, handshakes and parked connections

	ready  chan net.Conn // connections for Accept
	errs   chan error    // temporary errors of inner.Accept
	failed chan struct{} // closed when inner.Accept failed for good, with err
	err    error

	mu     sync.Mutex
	parked map[net.Conn]struct{} // inner connections waiting for bytes
}

func newListener(inner net.Listener, tlsCfg *tls.Config, handshakeTimeout time.Duration, cfg Config) *listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{
		inner:   inner,
		s:       newSettings(cfg),
		tlsCfg:  tlsCfg,
		timeout: handshakeTimeout,
		ctx:     ctx,
		cancel:  cancel,
		ready:   make(chan net.Conn),
		errs:    make(chan error),
		failed:  make(chan struct{}),
		parked:  make(map[net.Conn]struct{}),
	}
	if l.s.parkAfter > 0 {
		l.s.park = l
	}
	return l
}

func (l *listener) Accept() (net.Conn, error) {
	if l.tlsCfg == nil && l.s.park == nil {
		c, err := l.inner.Accept()
		if err != nil {
			return nil, err
		}
		return newConn(c, l.s, nil), nil
	}
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

func (l *listener) acceptLoop() {
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
		if l.tlsCfg == nil {
			if !l.deliver(newConn(raw, l.s, nil)) {
				return
			}
			continue
		}
		l.wg.Add(1)
		go l.handshake(raw)
	}
}

// deliver hands c to Accept, or closes it if the listener is closed first.
func (l *listener) deliver(c net.Conn) bool {
	select {
	case l.ready <- c:
		return true
	case <-l.ctx.Done():
		_ = c.Close()
		return false
	}
}

// Close closes inner and the parked connections, stops the handshakes and
// waits for all of them.
func (l *listener) Close() error {
	l.cancel()
	l.start.Do(func() {})
	err := l.inner.Close()
	l.mu.Lock()
	for c := range l.parked {
		_ = c.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
	return err
}

func (l *listener) Addr() net.Addr { return l.inner.Addr() }
