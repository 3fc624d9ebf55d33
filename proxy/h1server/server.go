package h1server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/proxy/frontconn"
)

// Server serves the connections of a guarded listener (frontconn), the
// common HTTP/1.1 requests itself and everything else through HTTP.
type Server struct {
	// HTTP is the net/http server the connections this server does not
	// serve itself go to. Its Handler, ConnContext, BaseContext,
	// ReadTimeout, WriteTimeout, IdleTimeout and ErrorLog apply to this
	// server's requests too; ReadHeaderTimeout and MaxHeaderBytes are the
	// guard's to enforce (frontconn.Config). ConnState hooks see only the
	// connections handed over.
	HTTP *http.Server

	// NetHTTPOnly hands every connection to HTTP at once: net/http's
	// server alone, as a way back should this one misbehave.
	NetHTTPOnly bool

	inShutdown atomic.Bool
	mu         sync.Mutex
	ln         net.Listener
	conns      map[*conn]struct{}
	served     sync.WaitGroup // Serve's own goroutines
}

// New returns a server that hands what it does not serve itself to s.
func New(s *http.Server) *Server { return &Server{HTTP: s} }

// Serve accepts connections on ln, a listener of package frontconn, until
// it fails or the server is shut down (then http.ErrServerClosed).
func (s *Server) Serve(ln net.Listener) error {
	if s.NetHTTPOnly {
		return s.HTTP.Serve(ln)
	}
	hl := newHandoffListener(ln.Addr())
	s.mu.Lock()
	if s.inShutdown.Load() {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	s.ln = ln
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
	}
	s.mu.Unlock()

	httpErr := make(chan error, 1)
	s.served.Add(1)
	go func() {
		defer s.served.Done()
		httpErr <- s.HTTP.Serve(hl)
	}()
	defer hl.Close()

	base := context.Background()
	if s.HTTP.BaseContext != nil {
		base = s.HTTP.BaseContext(ln)
	}
	base = context.WithValue(base, http.ServerContextKey, s.HTTP)

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.inShutdown.Load() {
				return http.ErrServerClosed
			}
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				// As net/http does: back off from 5 ms to 1 s.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			select {
			case herr := <-httpErr:
				if herr != nil && !errors.Is(herr, http.ErrServerClosed) {
					return herr
				}
			default:
			}
			return err
		}
		backoff = 0
		gc, ok := nc.(*frontconn.Conn)
		if !ok {
			// A TLS connection that negotiated HTTP/2.
			hl.deliver(nc)
			continue
		}
		c := newConn(s, hl, gc, base)
		if !s.track(c) {
			_ = gc.Close()
			continue
		}
		go c.serve()
	}
}

// track adds c to the connections Shutdown waits for; false once it
// began.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inShutdown.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// shutdownPoll is how often Shutdown looks for connections that went
// idle, as net/http's does.
const shutdownPoll = 10 * time.Millisecond

// Shutdown stops accepting, closes idle connections, lets every request
// in flight finish (their responses say Connection: close) and waits for
// their connections to close, or for ctx; then it returns ctx's error.
// It shuts down HTTP with the same ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.NetHTTPOnly {
		return s.HTTP.Shutdown(ctx)
	}
	s.inShutdown.Store(true)
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	httpDone := make(chan error, 1)
	go func() { httpDone <- s.HTTP.Shutdown(ctx) }()

	t := time.NewTicker(shutdownPoll)
	defer t.Stop()
	for !s.closeIdle() {
		select {
		case <-ctx.Done():
			<-httpDone
			return ctx.Err()
		case <-t.C:
		}
	}
	err := <-httpDone
	s.served.Wait()
	return err
}

// closeIdle closes the connections waiting for a next request and
// reports whether none is left.
func (s *Server) closeIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.closeIfIdle()
	}
	return len(s.conns) == 0
}

// Close closes the listener and every connection at once, HTTP's too.
func (s *Server) Close() error {
	if s.NetHTTPOnly {
		return s.HTTP.Close()
	}
	s.inShutdown.Store(true)
	s.mu.Lock()
	ln := s.ln
	for c := range s.conns {
		_ = c.gc.Close()
	}
	s.mu.Unlock()
	var err error
	if ln != nil {
		err = ln.Close()
	}
	return errors.Join(err, s.HTTP.Close())
}
