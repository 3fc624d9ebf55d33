package h1

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkH1IdleProbe measures the check a pooled connection gets before
// each reuse (the MSG_PEEK receive of idleProbe).
func BenchmarkH1IdleProbe(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	if c := <-accepted; c != nil {
		defer c.Close()
	}
	cfg := testConfig()
	cfg.MaxIdlePerHost = 0
	c := NewClient(cfg)
	pc := c.newConn(nc, "x")
	defer pc.close()
	b.ReportAllocs()
	for b.Loop() {
		if pc.probe.receivedWhileIdle() {
			b.Fatal("dirty")
		}
	}
}

// BenchmarkH1CheckRequest measures the validation of a typical proxied
// request before it is written.
func BenchmarkH1CheckRequest(b *testing.B) {
	req := httptest.NewRequest("GET", "http://example.org/some/path?with=query&and=more", nil)
	req.Header = http.Header{
		"Accept":            {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		"Accept-Encoding":   {"gzip, deflate, br"},
		"Accept-Language":   {"en-US,en;q=0.5"},
		"User-Agent":        {"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"},
		"Cookie":            {"session=0123456789abcdef0123456789abcdef; theme=dark"},
		"X-Forwarded-For":   {"203.0.113.7"},
		"X-Forwarded-Proto": {"https"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := checkRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}
