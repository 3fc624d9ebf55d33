package scheduler

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// BenchmarkQueueFilter is one request through lifo without waiting: take
// a slot, give it back.
func BenchmarkQueueFilter(b *testing.B) {
	reg := NewRegistry(Options{})
	f := filtertest.Create(b, spec(b, reg, "lifo"), 1000.0, 1000.0, "10s")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
	rsp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
	c := filtertest.NewContext(req)
	c.FRouteId = "r"
	b.ReportAllocs()
	for b.Loop() {
		clear(c.FStateBag)
		c.FResponse = nil
		f.Request(c)
		c.FResponse = rsp
		f.Response(c)
	}
}
