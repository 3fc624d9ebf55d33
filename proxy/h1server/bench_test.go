package h1server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/skiff-proxy/skiff/proxy/frontconn"
)

// BenchmarkServe: keep-alive GETs over loopback, a small response with a
// few header fields, through this server and through net/http's alone
// (both behind the guard). The client side is the same in both, so the
// difference per operation is the servers'. Compare the two with
// benchstat -col /server.
func BenchmarkServe(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Type"] = []string{"text/plain"}
		hd["X-Backend"] = []string{"b1"}
		hd["Content-Length"] = []string{"2"}
		_, _ = w.Write([]byte("ok"))
	})
	for _, tc := range []struct {
		name        string
		netHTTPOnly bool
	}{{"server=skiff", false}, {"server=nethttp", true}} {
		b.Run(tc.name, func(b *testing.B) {
			s := startServer(b, h, tc.netHTTPOnly, frontconn.Config{})
			req := []byte("GET /bench?x=1 HTTP/1.1\r\nHost: a.example\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
			b.ReportAllocs()
			// 32 connections per core: the servers' cost, not the
			// round-trip latency, sets the pace.
			b.SetParallelism(32)
			b.RunParallel(func(pb *testing.PB) {
				c, err := net.Dial("tcp", s.addr)
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close()
				br := bufio.NewReader(c)
				for pb.Next() {
					if _, err := c.Write(req); err != nil {
						b.Error(err)
						return
					}
					if err := readResponse(br); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// readResponse reads one response of the benchmark's shape (headers with
// Content-Length 2, then the body) without net/http's client parser.
func readResponse(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if bytes.Equal(line, []byte("\r\n")) {
			break
		}
	}
	_, err := io.ReadFull(br, make([]byte, 2))
	return err
}
