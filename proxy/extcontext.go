package proxy

import (
	"net/http"
	"os"
	"sync/atomic"

	"github.com/skiff-proxy/skiff/routing"
)

// debugContexts makes every request take a fresh context instead of a
// pooled one, so a filter that kept a context past its request finds it
// ended for good and panics (see reqCtx.live) instead of reading whichever
// request reused it. It costs an allocation per request; tests and
// SKIFF_DEBUG_CONTEXT=1 turn it on.
var debugContexts atomic.Bool

func init() {
	if os.Getenv("SKIFF_DEBUG_CONTEXT") == "1" {
		debugContexts.Store(true)
	}
}

// takeCtx returns the context for a new request: a pooled one, or a fresh
// one under debugContexts. ServeHTTP calls it in place of getCtx.
func (p *Proxy) takeCtx() *reqCtx {
	if debugContexts.Load() {
		return &reqCtx{proxy: p, bag: make(map[string]any)}
	}
	return p.getCtx()
}

// beforeFilters runs before the request filters of route: it keeps the
// original request when a filter can ask for it. A route without filters
// leaves it to a later route (loopback) or to nobody. serveRoute calls it
// right after enterRoute.
func (c *reqCtx) beforeFilters(route *routing.Route) {
	if len(route.Filters) > 0 {
		c.keepOriginalRequest()
	}
}

// errContextEnded is the panic value of a context used after its request.
const errContextEnded = "skiff: filters.FilterContext used after its request ended; " +
	"contexts and state bags are pooled: copy what a goroutine needs, or use Split (see filters.FilterContext)"

// live panics when c no longer serves a request. Every FilterContext
// method calls it, so a filter that kept the context fails loudly while
// the context waits in the pool, rather than reading a later request.
func (c *reqCtx) live() {
	if c.req == nil {
		panic(errContextEnded)
	}
}

// directWriter is what ResponseWriter returns: the client's writer, noting
// that a filter answers by itself, so the proxy leaves the response alone,
// and what it wrote, for the access log. It remembers the request it was
// handed out for and panics when used after that request ended.
type directWriter struct {
	c   *reqCtx
	gen uint64
}

func (w *directWriter) ctx() *reqCtx {
	if w.c.gen != w.gen || w.c.req == nil {
		panic(errContextEnded)
	}
	return w.c
}

func (w *directWriter) Header() http.Header { return w.ctx().w.Header() }

func (w *directWriter) WriteHeader(code int) {
	c := w.ctx()
	c.markServed(code)
	c.w.WriteHeader(code)
}

func (w *directWriter) Write(b []byte) (int, error) {
	c := w.ctx()
	c.markServed(http.StatusOK)
	n, err := c.w.Write(b)
	c.written += int64(n)
	if err != nil {
		c.clientGone = true
	}
	return n, err
}

// Flush passes on to the client's writer when it can flush.
func (w *directWriter) Flush() {
	if f, ok := w.ctx().w.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the client's writer.
func (w *directWriter) Unwrap() http.ResponseWriter { return w.ctx().w }

// markServed notes that a filter answers through the ResponseWriter. The
// proxy treats the response as it treats a hijacked connection's: it
// writes nothing and runs no response filter. status is the status being
// written (0 for none): the first final one goes to the access log, which
// otherwise shows the 200 net/http sends when nothing is written.
func (c *reqCtx) markServed(status int) {
	c.served, c.hijacked, c.direct = true, true, true
	switch {
	case status >= http.StatusOK && !c.directWrote:
		c.directWrote = true
		c.status = status
	case c.status == 0:
		c.status = http.StatusOK
	}
}

// discardResponseWriter is the ResponseWriter of a split context: a split request
// has no client to answer.
type discardResponseWriter struct{ h http.Header }

func (w *discardResponseWriter) Header() http.Header {
	if w.h == nil {
		w.h = make(http.Header)
	}
	return w.h
}
func (*discardResponseWriter) Write(b []byte) (int, error) { return len(b), nil }
func (*discardResponseWriter) WriteHeader(int)             {}
