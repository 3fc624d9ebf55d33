package h1

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"testing"
	"time"
)

// FuzzH1RoundTrip: whatever a backend answers, a round trip ends (answer
// or error) within the request's deadline and never panics.
func FuzzH1RoundTrip(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-A\r\n\r\n2\r\nhi\r\n0\r\nX-A: 1\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close, X-B\r\nX-B: 1\r\n\r\nuntil close",
		"HTTP/1.0 200 OK\r\n\r\nbody",
		"HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
		"HTTP/1.1 101 Switching Protocols\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		cfg := testConfig()
		cfg.MaxIdlePerHost = 1
		cl := NewClient(cfg)
		defer cl.Close()
		c1, c2 := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer c2.Close()
			tp := textproto.NewReader(bufio.NewReader(c2))
			if _, err := tp.ReadLine(); err != nil {
				return
			}
			if _, err := tp.ReadMIMEHeader(); err != nil {
				return
			}
			_, _ = c2.Write(raw)
		}()
		pc := cl.newConn(c1, "backend:80")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://backend/", nil)
		rsp, _, err := pc.roundTrip(ctx, req, "backend")
		if err == nil {
			_, _ = io.Copy(io.Discard, rsp.Body)
			_ = rsp.Body.Close()
		} else {
			pc.close()
		}
		_ = c1.Close()
		<-done
	})
}
