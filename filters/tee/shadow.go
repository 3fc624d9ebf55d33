package tee

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Shadow.
type Options struct {
	// Timeout bounds each copy, body included (for teeLoopback the whole
	// route of the copy); default 1 s.
	Timeout time.Duration
	// MaxConcurrent is the number of shadow requests in flight; a request
	// arriving when that many are running gets no shadow. Default 64.
	MaxConcurrent int
	// BufferSize bounds the body bytes waiting for one copy (request
	// bodies; response bodies for teeResponse); beyond it that copy is
	// abandoned. Default 256 KiB.
	BufferSize int
	// Transport replaces the shadow HTTP transport (tests, custom TLS).
	// Close does not close its idle connections then.
	Transport http.RoundTripper
}

const (
	defaultTimeout       = time.Second
	defaultMaxConcurrent = 64
	defaultBufferSize    = 256 << 10
	// drainLimit is how much of a shadow response is read so that its
	// connection can be reused; longer responses close the connection.
	drainLimit = 64 << 10
)

// Shadow sends the copies of the tee filters. Create one, pass it to
// Specs, LoopbackSpec and ResponseSpec, give it the proxy with SetRouter
// (for teeLoopback), and Close it at shutdown.
type Shadow struct {
	opts      Options
	transport *http.Transport // nil when Options.Transport was given
	follow    *http.Client
	noFollow  *http.Client

	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup

	inflight atomic.Int64
	sent     atomic.Int64
	dropped  atomic.Int64

	// router serves the copies of teeLoopback (SetRouter).
	router atomic.Pointer[http.Handler]
}

// NewShadow returns a Shadow ready to send.
func NewShadow(o Options) *Shadow {
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = defaultMaxConcurrent
	}
	if o.BufferSize <= 0 {
		o.BufferSize = defaultBufferSize
	}
	s := &Shadow{opts: o}
	rt := o.Transport
	if rt == nil {
		s.transport = &http.Transport{
			DialContext:         (&net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
			TLSHandshakeTimeout: o.Timeout,
			// The copy carries the client's Accept-Encoding as it is.
			DisableCompression: true,
		}
		rt = s.transport
	}
	s.follow = &http.Client{Transport: rt}
	s.noFollow = &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Close cancels the shadow requests in flight, waits for their goroutines
// and closes idle connections. Later tee requests send nothing.
func (s *Shadow) Close() error {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if already {
		return nil
	}
	s.cancel()
	s.wg.Wait()
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	return nil
}

// SetRouter gives teeLoopback the handler that routes its copies: the
// proxy serving the routing table, which the filters are created before.
// Until it is called teeLoopback sends nothing (its requests count as
// dropped).
func (s *Shadow) SetRouter(h http.Handler) {
	if h == nil {
		s.router.Store(nil)
		return
	}
	s.router.Store(&h)
}

func (s *Shadow) routerOf() http.Handler {
	if h := s.router.Load(); h != nil {
		return *h
	}
	return nil
}

// Stats: shadow requests started, skipped (limit reached or closed), and
// currently running.
func (s *Shadow) Sent() int64     { return s.sent.Load() }
func (s *Shadow) Dropped() int64  { return s.dropped.Load() }
func (s *Shadow) InFlight() int64 { return s.inflight.Load() }

// start reserves a slot for one shadow request.
func (s *Shadow) start() bool {
	if s.inflight.Add(1) > int64(s.opts.MaxConcurrent) {
		s.inflight.Add(-1)
		s.dropped.Add(1)
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		s.inflight.Add(-1)
		s.dropped.Add(1)
		return false
	}
	s.wg.Add(1)
	s.sent.Add(1)
	return true
}

// send sends req with client on its own goroutine and discards the
// answer; body is nil for requests without one.
func (s *Shadow) send(client *http.Client, req *http.Request, cancel context.CancelFunc, body *pipe) {
	s.run(cancel, body, func() {
		rsp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, io.LimitReader(rsp.Body, drainLimit))
			rsp.Body.Close()
		}
	})
}

// run is the goroutine of one copy, whose slot start reserved: it runs do,
// then closes the copy's body (nil: none), cancels its context and frees
// the slot.
func (s *Shadow) run(cancel context.CancelFunc, body *pipe, do func()) {
	defer s.wg.Done()
	defer s.inflight.Add(-1)
	defer cancel()
	do()
	if body != nil {
		body.Close()
	}
}
