package respwriter

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/internal/cputime"
)

var benchFields = [][2]string{
	{"Content-Type", "application/json"},
	{"Cache-Control", "no-cache"},
	{"X-Request-Id", "4b1d2c3e-7f60-4a8b-9c0d-1e2f3a4b5c6d"},
	{"Server", "skiff"},
	{"Vary", "Accept-Encoding"},
}

type benchConn struct{}

func (benchConn) SetReadDeadline(time.Time) error  { return nil }
func (benchConn) SetWriteDeadline(time.Time) error { return nil }
func (benchConn) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}
func (benchConn) SettleBody() (bool, bool) { return true, false }
func (benchConn) KeepAlivesOff() bool      { return false }

// BenchmarkWriter is one 200 response with 5 header fields and a 1 KiB
// body through a 4 KiB bufio.Writer on io.Discard. "Set" fills the header
// with Header().Set as handlers do (one []string each: the handler's
// allocations); "assign" stores prebuilt values, leaving the Writer's own.
func BenchmarkWriter(b *testing.B) {
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")))
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(strings.Repeat("x", 1024))
	bw := bufio.NewWriterSize(io.Discard, 4<<10)
	fields := benchFields
	values := make([][]string, len(fields))
	for i, f := range fields {
		values[i] = []string{f[1]}
	}

	run := func(b *testing.B, fill func(h http.Header)) {
		b.ReportAllocs()
		cpu0 := cputime.Process()
		for b.Loop() {
			w := New(bw, req, benchConn{})
			fill(w.Header())
			w.WriteHeader(http.StatusOK)
			if _, err := w.Write(body); err != nil {
				b.Fatal(err)
			}
			if keep, err := w.Finish(); !keep || err != nil {
				b.Fatal(keep, err)
			}
		}
		b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
	}
	b.Run("Set", func(b *testing.B) {
		run(b, func(h http.Header) {
			for _, f := range fields {
				h.Set(f[0], f[1])
			}
		})
	})
	b.Run("assign", func(b *testing.B) {
		run(b, func(h http.Header) {
			for i, f := range fields {
				h[f[0]] = values[i]
			}
		})
	})
}

// BenchmarkNetHTTP is the same response from net/http's server, for
// comparison: requests pipelined from memory on one connection whose
// writes are discarded. It includes what the Writer leaves to its caller
// (reading and parsing the request, the per-request context and background
// read goroutine).
func BenchmarkNetHTTP(b *testing.B) {
	body := []byte(strings.Repeat("x", 1024))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, f := range benchFields {
			h.Set(f[0], f[1])
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})}
	c := &streamConn{req: []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), left: b.N, closed: make(chan struct{})}
	ln := &oneConnListener{c: c, done: make(chan struct{})}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	go func() { _ = srv.Serve(ln) }()
	<-c.closed
	b.StopTimer()
	b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
	_ = srv.Close()
}

// streamConn reads as left pipelined copies of req and discards writes.
type streamConn struct {
	net.Conn // nil: unused methods panic
	req      []byte
	left     int
	off      int
	closed   chan struct{}
	once     sync.Once
}

func (c *streamConn) Read(p []byte) (int, error) {
	n := 0
	for c.left > 0 && n < len(p) {
		m := copy(p[n:], c.req[c.off:])
		n += m
		if c.off += m; c.off == len(c.req) {
			c.off = 0
			c.left--
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (c *streamConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *streamConn) Close() error                     { c.once.Do(func() { close(c.closed) }); return nil }
func (c *streamConn) LocalAddr() net.Addr              { return pipeAddr{} }
func (c *streamConn) RemoteAddr() net.Addr             { return pipeAddr{} }
func (c *streamConn) SetDeadline(time.Time) error      { return nil }
func (c *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (c *streamConn) SetWriteDeadline(time.Time) error { return nil }

type oneConnListener struct {
	c    net.Conn
	done chan struct{}
	once sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	if c := l.c; c != nil {
		l.c = nil
		return c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return pipeAddr{} }
