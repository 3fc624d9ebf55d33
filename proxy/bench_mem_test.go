package proxy

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/internal/cputime"
)

// memTransport answers every request at once with a small response, so
// that a benchmark measures the proxy's own work, without the loopback
// network whose noise hides differences of a few percent.
type memTransport struct{}

func (memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"13"}},
		Body:          io.NopCloser(strings.NewReader("Hello, World!")),
		ContentLength: 13,
		Request:       r,
	}, nil
}

// BenchmarkProxyMem is BenchmarkProxy's request path (match, filters,
// backend step, response copy) with an in-memory backend client: a plain
// route, one with five filters, a load-balanced one.
func BenchmarkProxyMem(b *testing.B) {
	const be = "http://127.0.0.1:1"
	routes := append(benchRoutes(be), lbRoute("lb", "/lb", be, "http://127.0.0.1:2", "http://127.0.0.1:3", "http://127.0.0.1:4"))
	for _, path := range []string{"/bench", "/filters", "/lb"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			p := New(Options{Tables: staticTables{buildTable(b, routes...)}, Transport: memTransport{}})
			defer p.Close()
			benchServe(b, p, path)
		})
	}
}

// reportCPU reports the process' CPU time per operation since start
// (cpu-ns/op): on a loaded machine it varies far less than the wall time.
func reportCPU(b *testing.B, start time.Duration) {
	if start > 0 && b.N > 0 {
		b.ReportMetric(float64(cputime.Process()-start)/float64(b.N), "cpu-ns/op")
	}
}
