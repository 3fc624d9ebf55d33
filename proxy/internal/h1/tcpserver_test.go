package h1

import (
	"net"
	"sync"
	"testing"
)

// tcpServer is a loopback TCP server for backends that must answer with
// hand-written bytes (misbehaving ones above all). Each connection runs
// handle on a goroutine of its own; when the test ends done is closed,
// the listener and every connection are closed, and the cleanup waits for
// every goroutine started through it.
type tcpServer struct {
	addr string
	done chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn
}

func serveTCP(t testing.TB, handle func(s *tcpServer, c net.Conn)) *tcpServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &tcpServer{addr: l.Addr().String(), done: make(chan struct{})}
	s.goTracked(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.goTracked(func() {
				defer c.Close()
				handle(s, c)
			})
		}
	})
	t.Cleanup(func() {
		close(s.done)
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

// goTracked runs f on a goroutine that the end of the test waits for.
func (s *tcpServer) goTracked(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}
