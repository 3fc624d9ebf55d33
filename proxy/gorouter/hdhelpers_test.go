package gorouter

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// Helpers of the tests of the request and response headers (trace,
// tracing, semicolons, header limits, AZ preference, protocol).

// hdLog is a logger whose output the test reads.
type hdLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *hdLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *hdLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// hdClient is newClient logging into the returned hdLog.
func hdClient(t testing.TB, o nats.Options) (*nats.Client, *hdLog) {
	t.Helper()
	out := &hdLog{}
	log := logrus.New()
	log.SetOutput(out)
	log.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true, DisableColors: true})
	o.Log, o.NoDamping, o.IndexKey = log, true, IndexKey
	c, err := nats.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, out
}

// hdPoolFilter is the natsPool filter of key.
func hdPoolFilter(t testing.TB, c *nats.Client, key string) *poolFilter {
	t.Helper()
	f, err := (&poolFilterSpec{c: c}).CreateFilter([]any{key})
	if err != nil {
		t.Fatal(err)
	}
	return f.(*poolFilter)
}

// hdRequest is a GET of target (a URL) from a client at 192.0.2.10.
func hdRequest(target string, hdr ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.RemoteAddr = "192.0.2.10:54321"
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

// hdProxy runs f for r as the proxy runs it for a request that reaches a
// backend at addr: Request, Attempt, Response. The backend answers rsp
// (nil: an empty 200), or, when err is not nil, the attempt fails with it
// and the proxy's error response goes to Response. It returns the
// context, whose FResponse is the response after the filter.
func hdProxy(f *poolFilter, r *http.Request, addr string, rsp *http.Response, err error) *filtertest.Context {
	ctx := filtertest.NewContext(r)
	f.Request(ctx)
	if ctx.FServed {
		f.Response(ctx)
		return ctx
	}
	f.Attempt(ctx, addr)
	switch {
	case err != nil:
		ctx.FStateBag[filters.ProxyError] = err
		rsp = &http.Response{StatusCode: http.StatusBadGateway, Header: http.Header{}, Body: http.NoBody}
	case rsp == nil:
		rsp = &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody}
	}
	ctx.FResponse = rsp
	f.Response(ctx)
	return ctx
}

// hdAccessLogField is the access-log field k the filters left in the
// context's state bag, "" for none.
func hdAccessLogField(ctx *filtertest.Context, k string) string {
	add, _ := ctx.FStateBag[filters.AccessLogAdditional].(map[string]any)
	v, _ := add[k].(string)
	return v
}
