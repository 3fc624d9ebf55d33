package status

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultAddr is where Start listens when given no address: loopback only,
// as gorouter's /routes listener, because /routes lists every backend of
// the platform.
const DefaultAddr = "127.0.0.1:8082"

// Limits applied when the Server's field is zero. Status requests are tiny
// and answered at once; only /routes of a big table takes a while to
// write, hence the long write timeout.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 2 * time.Minute
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 16 << 10 // an Authorization header and a few more
)

// ErrServerStarted is returned by Start on a Server that was started
// already; ErrServerClosed by Start after Close or Shutdown.
var (
	ErrServerStarted = errors.New("status: server already started")
	ErrServerClosed  = errors.New("status: server closed")
)

// Server owns the status listener: Start listens and serves Handler in one
// goroutine; Shutdown or Close stops it and returns only once that
// goroutine has returned. A Server serves once; it is not restarted.
type Server struct {
	Handler http.Handler

	// Zero means the Default* value.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                                            int

	mu     sync.Mutex
	srv    *http.Server
	done   chan struct{} // closed when Serve and every connection have ended
	closed bool
}

// Start listens on addr (DefaultAddr if empty) and serves in the
// background. It returns the address actually bound, useful with port 0.
func (s *Server) Start(addr string) (net.Addr, error) {
	return s.start(addr, nil)
}

// StartListener is Start on a listener the caller opened (a test's, or
// one handed over by a supervisor); the server closes it.
func (s *Server) StartListener(ln net.Listener) (net.Addr, error) {
	return s.start("", ln)
}

func (s *Server) start(addr string, ln net.Listener) (net.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, ErrServerClosed
	case s.srv != nil:
		return nil, ErrServerStarted
	}
	if ln == nil {
		if addr == "" {
			addr = DefaultAddr
		}
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, err
		}
	}
	h := s.Handler
	if l, ok := h.(interface{ listening(net.Addr) }); ok {
		l.listening(ln.Addr())
	}
	if h == nil {
		// http.Server would fall back to http.DefaultServeMux, which may
		// carry whatever a linked package registered (pprof, expvar).
		h = http.NotFoundHandler()
	}
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: orDefault(s.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       orDefault(s.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      orDefault(s.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDefault(s.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    orDefault(s.MaxHeaderBytes, DefaultMaxHeaderBytes),
	}
	// net/http does not wait for connection goroutines on Shutdown or
	// Close; counting them from StateNew (reported by Serve's own
	// goroutine before it starts one) to StateClosed/StateHijacked (the
	// connection goroutine's last act) lets Close wait for all of them.
	var conns sync.WaitGroup
	s.srv.ConnState = func(_ net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			conns.Done()
		}
	}
	s.done = make(chan struct{})
	go func(srv *http.Server, done chan<- struct{}) {
		defer close(done)
		// Serve returns http.ErrServerClosed after Shutdown or Close;
		// no Add follows its return, so Wait is safe then.
		_ = srv.Serve(ln)
		conns.Wait()
	}(s.srv, s.done)
	return ln.Addr(), nil
}

// Shutdown stops accepting connections, lets requests in flight finish and
// closes idle connections. If ctx ends first, the remaining connections
// are closed and ctx's error is returned. Either way it returns once every
// goroutine of the server has ended.
func (s *Server) Shutdown(ctx context.Context) error {
	srv, done := s.stop()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		// Cut what is left so that Serve's connections end now.
		_ = srv.Close()
	}
	<-done
	return err
}

// Close closes the listener and every connection at once, cutting requests
// in flight, and waits until every goroutine of the server has ended.
// ctx bounds only that wait, which is short unless a handler blocks on
// something other than its connection.
func (s *Server) Close(ctx context.Context) error {
	srv, done := s.stop()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop marks the Server closed and returns what was started, if anything.
func (s *Server) stop() (*http.Server, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.srv, s.done
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
