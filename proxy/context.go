package proxy

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/filters"
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
	served      bool
	errored     bool // resp is an error response: only error-handling filters see it
	noRespFilt  bool // upgrade answers skip response filters
	hijacked    bool
	clientGone  bool // writing to the client failed
	upgrade     bool
	hopsRemoved bool
	depth       int
	cancel      context.CancelFunc // of the backendTimeout context, run after streaming

	clientCtx   context.Context // the incoming request's; canceled when the client leaves
	start       time.Time
	requestHost string
	status      int
	written     int64
	proxyErr    error

	deadlines clientDeadlines // idle deadlines of the client connection
	idle      *idleBody       // the request body wrapper that arms them, if any
}

var _ filters.FilterContext = (*reqCtx)(nil)

func (c *reqCtx) reset() {
	if len(c.bag) > maxPooledBag {
		c.bag = make(map[string]any)
	} else {
		clear(c.bag)
	}
	c.params.Reset()
	bag, params := c.bag, c.params
	proxy := c.proxy
	*c = reqCtx{proxy: proxy, bag: bag, params: params}
}

// releaseTable hands the table back to its source once.
func (c *reqCtx) releaseTable() {
	if c.table != nil && !c.tableReleased {
		c.tableReleased = true
		c.table.Release()
	}
}

func (c *reqCtx) Request() *http.Request           { return c.req }
func (c *reqCtx) Response() *http.Response         { return c.resp }
func (c *reqCtx) OriginalRequest() *http.Request   { return nil }
func (c *reqCtx) OriginalResponse() *http.Response { return nil }

func (c *reqCtx) Serve(rsp *http.Response) {
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

func (c *reqCtx) Served() bool                 { return c.served }
func (c *reqCtx) PathParam(name string) string { return c.params.Get(name) }
func (c *reqCtx) StateBag() map[string]any     { return c.bag }
func (c *reqCtx) OutgoingHost() string         { return c.outHost }
func (c *reqCtx) SetOutgoingHost(h string)     { c.outHost = h }

func (c *reqCtx) BackendUrl() string {
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
func (c *reqCtx) Loopback()             { c.loopbackFromFilter(false) }
func (c *reqCtx) LoopbackWithResponse() { c.loopbackFromFilter(true) }

func (c *reqCtx) loopbackFromFilter(keep bool) {
	saved := *c
	c.served, c.errored, c.noRespFilt = false, false, false
	c.resp = nil
	rsp := c.proxy.loopback(c)
	route, depth, outHost, defHost := saved.route, saved.depth, saved.outHost, saved.defaultHost
	c.route, c.depth, c.outHost, c.defaultHost = route, depth, outHost, defHost
	if !keep {
		if rsp != nil && rsp.Body != nil {
			_ = rsp.Body.Close()
		}
		c.resp, c.served, c.errored, c.noRespFilt = saved.resp, saved.served, saved.errored, saved.noRespFilt
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
	if c.upgrade {
		return nil, errSplitUpgrade
	}
	r := c.req
	clone := r.Clone(context.WithoutCancel(r.Context()))
	if r.Body != nil && r.Body != http.NoBody {
		tb := newTeeBody(r.Body)
		r.Body = tb
		clone.Body = tb.mirror()
	}
	sc := &splitCtx{
		req:     clone,
		bag:     map[string]any{},
		outHost: c.outHost,
		routeId: c.RouteId(),
		backend: c.BackendUrl(),
		log:     entryLogger{c.proxy.log.WithField("route", c.RouteId()).WithField("split", true)},
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
