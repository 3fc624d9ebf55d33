package proxy

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel/trace"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

// maxPooledBag bounds the state bag size kept for reuse; a request whose
// filters stored more gets a fresh map next time.
const maxPooledBag = 64

// reqCtx is the per-request state and the filters.FilterContext the
// route's filters see. It is pooled: every field is reset in reset().
type reqCtx struct {
	proxy *Proxy
	w     http.ResponseWriter
	req   *http.Request // the request the filters change; it becomes the outgoing one
	resp  *http.Response

	table         *routing.Table
	tableReleased bool
	route         *routing.Route
	params        routing.Params
	bag           map[string]any

	outHost     string // Host header for the backend; "" = the endpoint's host
	defaultHost string // outHost as the current route set it, to detect a filter's choice
	// outerHost is the Host a filter of an outer route chose before a
	// loopback: inner routes send their own backend's host, as skipper's
	// do, unless they preserve the Host; filters.RequestHost still sees it.
	outerHost   string
	served      bool
	errored     bool // resp is an error response: only error-handling filters see it
	noRespFilt  bool // upgrade answers skip response filters
	hijacked    bool
	clientGone  bool // writing to the client failed
	upgrade     bool
	hopsRemoved bool
	depth       int
	cancel      context.CancelFunc // of the backendTimeout context, run after streaming

	// attempt is the endpoint of a load-balanced route whose response is
	// being streamed; it is told the outcome when the response is done.
	attempt *healthcheck.Endpoint
	outcome healthcheck.Outcome

	clientCtx   context.Context // the incoming request's; canceled when the client leaves
	start       time.Time
	requestHost string
	status      int
	written     int64
	proxyErr    error

	// for the access log
	backendAddr string        // host:port of the last backend attempted
	backendTime time.Duration // spent in backend round trips
	bodyRead    *countingBody // counts the request body read, when there is one and a log

	deadlines clientDeadlines // idle deadlines of the client connection
	idle      *idleBody       // the request body wrapper that arms them, if any

	gen         uint64       // requests this context has served; a directWriter remembers it
	direct      bool         // a filter answers through ResponseWriter (MarkServed)
	directWrote bool         // ... and has written a final status
	orig        origRequest  // the request before filters, for OriginalRequest
	origRsp     origResponse // the response before response filters

	// With Options.Tracer: the request's server span and the client span
	// of the backend attempt whose response is being streamed (observe.go).
	span, clientSpan trace.Span
	retry            int // attempts before the current one, for its span
}

var _ filters.FilterContext = (*reqCtx)(nil)

// reset ends the request: the context goes back to the pool, and its
// FilterContext methods panic until the next request takes it (live).
func (c *reqCtx) reset() {
	if c.direct && c.resp != nil && c.resp.Body != nil {
		// A filter answered through ResponseWriter, so the proxy never
		// wrote (and closed) this response.
		_ = c.resp.Body.Close()
	}
	if len(c.bag) > maxPooledBag {
		c.bag = make(map[string]any)
	} else {
		clear(c.bag)
	}
	c.params.Reset()
	c.orig.release()
	c.origRsp.release()
	bag, params := c.bag, c.params
	reqHeader, rspHeader := c.orig.header, c.origRsp.header
	proxy, gen := c.proxy, c.gen+1
	*c = reqCtx{proxy: proxy, bag: bag, params: params, gen: gen,
		orig: origRequest{header: reqHeader}, origRsp: origResponse{header: rspHeader}}
}

// releaseTable hands the table back to its source once.
func (c *reqCtx) releaseTable() {
	if c.table != nil && !c.tableReleased {
		c.tableReleased = true
		c.table.Release()
	}
}

// Every FilterContext method starts with c.live(): see extcontext.go.

func (c *reqCtx) Request() *http.Request {
	c.live()
	c.keepOriginalRequest()
	return c.req
}

func (c *reqCtx) Response() *http.Response {
	c.live()
	c.keepOriginalResponse()
	return c.resp
}

// OriginalRequest builds the copy on the first call; see extoriginal.go.
func (c *reqCtx) OriginalRequest() *http.Request {
	c.live()
	c.keepOriginalRequest()
	if c.orig.built == nil {
		c.orig.built = c.orig.build(c.clientCtx)
	}
	return c.orig.built
}

func (c *reqCtx) OriginalResponse() *http.Response {
	c.live()
	c.keepOriginalResponse()
	if !c.origRsp.kept {
		return nil
	}
	if c.origRsp.built == nil {
		c.origRsp.built = c.origRsp.build()
	}
	return c.origRsp.built
}

// ResponseWriter allocates a small wrapper per call; only filters that
// write the response themselves call it.
func (c *reqCtx) ResponseWriter() http.ResponseWriter {
	c.live()
	return &directWriter{c: c, gen: c.gen}
}

func (c *reqCtx) MarkServed() {
	c.live()
	c.markServed(0)
}

func (c *reqCtx) Metrics() filters.Metrics {
	c.live()
	return c.proxy.opts.FilterMetrics
}

func (c *reqCtx) Serve(rsp *http.Response) {
	c.live()
	if rsp.Header == nil {
		rsp.Header = make(http.Header)
	}
	if rsp.Body == nil {
		rsp.Body = http.NoBody
	}
	if rsp.StatusCode == 0 {
		rsp.StatusCode = http.StatusOK
	}
	if c.resp != nil && c.resp != rsp && c.resp.Body != nil {
		_ = c.resp.Body.Close()
	}
	c.resp = rsp
	c.served = true
}

func (c *reqCtx) Served() bool                 { c.live(); return c.served }
func (c *reqCtx) PathParam(name string) string { c.live(); return c.params.Get(name) }
func (c *reqCtx) StateBag() map[string]any     { c.live(); return c.bag }
func (c *reqCtx) OutgoingHost() string         { c.live(); return c.outHost }
func (c *reqCtx) SetOutgoingHost(h string)     { c.live(); c.outHost = h }

// FilterSetHost is the outgoing Host when a filter chose it, for
// filters.RequestHost.
func (c *reqCtx) FilterSetHost() (string, bool) {
	c.live()
	if c.outHost != c.defaultHost && c.outHost != "" {
		return c.outHost, true
	}
	return c.outerHost, c.outerHost != ""
}

func (c *reqCtx) BackendUrl() string {
	c.live()
	r := c.route
	if r == nil || r.BackendType != routeNetwork {
		return ""
	}
	if r.Def != nil && r.Def.Backend != "" {
		return r.Def.Backend
	}
	return r.Scheme + "://" + r.Host
}

func (c *reqCtx) RouteId() string {
	c.live()
	if c.route == nil {
		return ""
	}
	return c.route.Id
}

func (c *reqCtx) Logger() filters.Logger {
	return entryLogger{c.proxy.log.WithField("route", c.RouteId())}
}

// Loopback routes the current request again (same table snapshot) and
// throws the response away; LoopbackWithResponse keeps it.
func (c *reqCtx) Loopback()             { c.live(); c.loopbackFromFilter(false) }
func (c *reqCtx) LoopbackWithResponse() { c.live(); c.loopbackFromFilter(true) }

func (c *reqCtx) loopbackFromFilter(keep bool) {
	saved := *c
	c.served, c.errored, c.noRespFilt = false, false, false
	c.resp = nil
	rsp := c.proxy.loopback(c)
	route, depth, outHost, defHost, outerHost := saved.route, saved.depth, saved.outHost, saved.defaultHost, saved.outerHost
	c.route, c.depth, c.outHost, c.defaultHost, c.outerHost = route, depth, outHost, defHost, outerHost
	if !keep {
		if rsp != nil && rsp.Body != nil {
			_ = rsp.Body.Close()
		}
		c.resp, c.served, c.errored, c.noRespFilt = saved.resp, saved.served, saved.errored, saved.noRespFilt
		if !saved.origRsp.kept {
			// The discarded response is nobody's original.
			c.origRsp.kept, c.origRsp.built = false, nil
		}
		return
	}
	if saved.resp != nil && saved.resp != rsp && saved.resp.Body != nil {
		_ = saved.resp.Body.Close()
	}
	c.resp = rsp
}

var errSplitUpgrade = errors.New("split is not possible for upgrade requests")

// Split returns a context for a copy of the request (tee): fresh state
// bag, cloned headers and URL, and a body that receives what the original
// body delivers as the proxy reads it.
func (c *reqCtx) Split() (filters.FilterContext, error) {
	c.live()
	if c.upgrade {
		return nil, errSplitUpgrade
	}
	c.keepOriginalRequest()
	r := c.req
	clone := r.Clone(context.WithoutCancel(r.Context()))
	if r.Body != nil && r.Body != http.NoBody {
		tb := newTeeBody(r.Body)
		r.Body = tb
		clone.Body = tb.mirror()
	}
	sc := &splitCtx{
		req:     clone,
		orig:    c.orig.build(clone.Context()),
		bag:     map[string]any{},
		outHost: c.outHost,
		routeId: c.RouteId(),
		backend: c.BackendUrl(),
		log:     entryLogger{c.proxy.log.WithField("route", c.RouteId()).WithField("split", true)},
		metrics: c.proxy.opts.FilterMetrics,
	}
	for i := 0; i < c.params.Len(); i++ {
		k, v := c.params.At(i)
		sc.params = append(sc.params, k, v)
	}
	return sc, nil
}

// entryLogger adapts a logrus logger to filters.Logger; it is built only
// when a filter asks for its logger.
type entryLogger struct{ e logrus.FieldLogger }

func (l entryLogger) Debugf(f string, a ...any) { l.e.Debugf(f, a...) }
func (l entryLogger) Infof(f string, a ...any)  { l.e.Infof(f, a...) }
func (l entryLogger) Warnf(f string, a ...any)  { l.e.Warnf(f, a...) }
func (l entryLogger) Errorf(f string, a ...any) { l.e.Errorf(f, a...) }
