package frontconn

import (
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// replayConn serves n copies of one request back to back, then io.EOF,
// in reads as large as asked; writes are dropped.
type replayConn struct {
	mu   sync.Mutex
	tmpl []byte
	off  int
	n    int
}

func (c *replayConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for len(p) > 0 && c.n > 0 {
		k := copy(p, c.tmpl[c.off:])
		p, total, c.off = p[k:], total+k, c.off+k
		if c.off == len(c.tmpl) {
			c.off, c.n = 0, c.n-1
		}
	}
	if total == 0 {
		return 0, io.EOF
	}
	return total, nil
}

func (c *replayConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *replayConn) Close() error                     { return nil }
func (c *replayConn) LocalAddr() net.Addr              { return memAddr{} }
func (c *replayConn) RemoteAddr() net.Addr             { return memAddr{} }
func (c *replayConn) SetDeadline(time.Time) error      { return nil }
func (c *replayConn) SetReadDeadline(time.Time) error  { return nil }
func (c *replayConn) SetWriteDeadline(time.Time) error { return nil }

const (
	benchGET  = "GET /some/path?q=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n"
	benchPOST = "POST /upload HTTP/1.1\r\nHost: example.org\r\nUser-Agent: bench/1.0\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n" +
		"10\r\n0123456789abcdef\r\n20;ext=1\r\n0123456789abcdef0123456789abcdef\r\n0\r\n\r\n"
)

// BenchmarkServer serves a keep-alive stream of b.N requests on one
// connection with net/http, bare and behind the guard: ns/op and
// allocs/op are per request, net/http's included.
func BenchmarkServer(b *testing.B) {
	for _, req := range []struct{ name, raw string }{{"GET", benchGET}, {"ChunkedPOST", benchPOST}} {
		for _, guarded := range []bool{false, true} {
			name := req.name + "/bare"
			if guarded {
				name = req.name + "/guard"
			}
			b.Run(name, func(b *testing.B) { benchServe(b, req.raw, guarded) })
		}
	}
}

func benchServe(b *testing.B, raw string, guarded bool) {
	var served atomic.Int64
	ok := []byte("ok")
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		served.Add(1)
		_, _ = w.Write(ok)
	})
	closed := make(chan struct{})
	srv := &http.Server{
		Handler:  h,
		ErrorLog: quietLog,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateClosed {
				close(closed)
			}
		},
	}
	var l net.Listener = &oneConn{c: &replayConn{tmpl: []byte(raw), n: b.N}, done: make(chan struct{})}
	if guarded {
		l = NewListener(l, Config{})
		srv.Handler, srv.ConnContext = Handler(h), ConnContext
	}
	b.ReportAllocs()
	b.ResetTimer()
	served2 := make(chan struct{})
	go func() {
		defer close(served2)
		_ = srv.Serve(l)
	}()
	<-closed
	b.StopTimer()
	_ = srv.Close()
	<-served2
	if got := served.Load(); got != int64(b.N) {
		b.Fatalf("served %d of %d", got, b.N)
	}
}

// BenchmarkRead reads the same streams the way net/http's bufio.Reader
// does, 4 KiB at a time, straight from the connection and through the
// guard: the guard's own cost per request.
func BenchmarkRead(b *testing.B) {
	for _, req := range []struct{ name, raw string }{{"GET", benchGET}, {"ChunkedPOST", benchPOST}} {
		for _, guarded := range []bool{false, true} {
			name := req.name + "/bare"
			if guarded {
				name = req.name + "/guard"
			}
			b.Run(name, func(b *testing.B) {
				var c net.Conn = &replayConn{tmpl: []byte(req.raw), n: b.N}
				if guarded {
					c = newConn(c, newSettings(Config{}), nil)
				}
				buf := make([]byte, 4096)
				total := 0
				b.ReportAllocs()
				b.SetBytes(int64(len(req.raw)))
				b.ResetTimer()
				for {
					n, err := c.Read(buf)
					total += n
					if err != nil {
						break
					}
				}
				if total != b.N*len(req.raw) {
					b.Fatalf("read %d of %d", total, b.N*len(req.raw))
				}
			})
		}
	}
}
