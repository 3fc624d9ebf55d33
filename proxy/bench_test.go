package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/internal/cputime"
)

// cannedBackend is a minimal keep-alive HTTP/1.1 server that answers every
// bodiless request with the same bytes and allocates nothing per request,
// so benchmarks measure the proxy, not the backend.
func cannedBackend(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	const rsp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
					}
					if _, err := io.WriteString(c, rsp); err != nil {
						return
					}
				}
			}()
		}
	}()
	tb.Cleanup(func() {
		l.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + l.Addr().String()
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchClients() []struct {
	name string
	rt   http.RoundTripper
} {
	return []struct {
		name string
		rt   http.RoundTripper
	}{
		{"h1client", nil},
		{"http.Transport", &http.Transport{MaxIdleConnsPerHost: 1024, DisableCompression: true}},
	}
}

func benchRoutes(be string) []*eskip.Route {
	return []*eskip.Route{
		netRoute("bench", "/bench", be),
		netRoute("filters", "/filters", be, f("trace", "a"), f("trace", "b"), f("trace", "c"), f("trace", "d"), f("trace", "e")),
	}
}

// BenchmarkProxy measures the request path (match, filters, backend round
// trip over loopback TCP, response copy) by calling ServeHTTP directly.
func BenchmarkProxy(b *testing.B) {
	be := cannedBackend(b)
	for _, bc := range benchClients() {
		for _, path := range []string{"/bench", "/filters"} {
			b.Run(bc.name+path, func(b *testing.B) {
				p := New(Options{Tables: staticTables{buildTable(b, benchRoutes(be)...)}, Transport: bc.rt})
				defer p.Close()
				benchServe(b, p, path)
			})
		}
		if t, ok := bc.rt.(*http.Transport); ok {
			t.CloseIdleConnections()
		}
	}
}

// benchServe serves GET path on p in the benchmark's loop, calling
// ServeHTTP directly, and reports allocations and CPU time per request.
// The trace filters' header is dropped between requests so that every
// request starts alike.
func benchServe(b *testing.B, p *Proxy, path string) {
	req := httptest.NewRequest("GET", path, nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		clear(w.h)
		delete(req.Header, "X-Trace")
		p.ServeHTTP(w, req)
	}
	reportCPU(b, cpu)
}

// bytePool is an httputil.BufferPool for the baseline.
type bytePool struct{ p sync.Pool }

func (b *bytePool) Get() []byte {
	if v := b.p.Get(); v != nil {
		return *v.(*[]byte)
	}
	return make([]byte, 32<<10)
}
func (b *bytePool) Put(p []byte) { b.p.Put(&p) }

// BenchmarkReverseProxyBaseline is httputil.ReverseProxy with a pooled
// buffer and a tuned http.Transport behind the same server and backend as
// BenchmarkProxyHTTP: the yardstick the proxy is measured against.
func BenchmarkReverseProxyBaseline(b *testing.B) {
	be := cannedBackend(b)
	target, _ := url.Parse(be)
	tr := &http.Transport{MaxIdleConnsPerHost: 1024, DisableCompression: true}
	defer tr.CloseIdleConnections()
	rp := &httputil.ReverseProxy{
		Rewrite:    func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport:  tr,
		BufferPool: &bytePool{},
	}
	benchServer(b, rp)
}

func benchServer(b *testing.B, h http.Handler) {
	s := httptest.NewServer(h)
	defer s.Close()
	client := &http.Transport{MaxIdleConnsPerHost: 1024}
	defer client.CloseIdleConnections()
	b.ReportAllocs()
	b.SetParallelism(16) // enough requests in flight to keep both sides busy
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", s.URL+"/bench", nil)
		buf := make([]byte, 64)
		for pb.Next() {
			rsp, err := client.RoundTrip(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.CopyBuffer(io.Discard, rsp.Body, buf)
			rsp.Body.Close()
		}
	})
}

// BenchmarkProxyHTTP is the end-to-end variant: a keep-alive client, the
// proxy behind net/http, the canned backend; parallel, so ns/op is the
// inverse of the throughput (client, proxy and backend share the cores).
func BenchmarkProxyHTTP(b *testing.B) {
	be := cannedBackend(b)
	for _, bc := range benchClients() {
		b.Run(bc.name, func(b *testing.B) {
			p := New(Options{Tables: staticTables{buildTable(b, benchRoutes(be)...)}, Transport: bc.rt})
			defer p.Close()
			benchServer(b, p)
		})
		if t, ok := bc.rt.(*http.Transport); ok {
			t.CloseIdleConnections()
		}
	}
}
