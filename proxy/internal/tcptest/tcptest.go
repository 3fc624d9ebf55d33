// Package tcptest is a loopback TCP server for tests whose backends must
// answer with hand-written bytes (misbehaving ones above all).
package tcptest

import (
	"net"
	"sync"
	"testing"
)

// Server runs a handler per accepted connection. When the test ends Done
// is closed, the listener and every connection are closed, and the
// cleanup waits for every goroutine started through Go.
type Server struct {
	Addr string
	Done chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn
}

// Serve listens on 127.0.0.1 and runs handle for each connection on a
// goroutine of its own; handle need not close the connection.
func Serve(t testing.TB, handle func(s *Server, c net.Conn)) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: l.Addr().String(), Done: make(chan struct{})}
	s.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.Go(func() {
				defer c.Close()
				handle(s, c)
			})
		}
	})
	t.Cleanup(func() {
		close(s.Done)
		l.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// Go runs f on a goroutine that the end of the test waits for.
func (s *Server) Go(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}
