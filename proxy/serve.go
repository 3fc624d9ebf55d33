package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/proxy/internal/h1"
	"github.com/skiff-proxy/skiff/routing"
)

// maxShuntDrain bounds how much unread request body a shunt route reads
// away before answering; beyond it net/http closes the connection instead.
const maxShuntDrain = 4 << 20

// ServeHTTP serves one request: route, filters, backend, response.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := p.takeCtx()
	c.w, c.req = w, r
	c.start = time.Now()
	c.requestHost = r.Host
	if p.opts.AccessLog != nil && hasBody(r) {
		c.bodyRead = &countingBody{rc: r.Body}
		r.Body = c.bodyRead
	}
	c.clientCtx = r.Context()
	if p.opts.Tracer != nil {
		p.startServerSpan(c)
	}
	c.upgrade = !p.opts.DisableUpgrade && r.ProtoMajor == 1 && isUpgrade(r.Header)
	p.initDeadlines(c)
	uri, method, proto := r.RequestURI, r.Method, r.Proto
	c.table = p.tables.Acquire()
	if usesSegments(c.table) {
		// One TrafficSegment number for every candidate route and every
		// loopback re-match of this request.
		c.req = withSegment(c.req)
	}

	abort, panicked := p.serveSafely(c)
	c.endAttempt()
	if c.cancel != nil {
		c.cancel()
	}
	if c.idle != nil {
		c.idle.detach()
	}
	if c.clientGone {
		c.status = statusClientClosed
	}
	p.accessLog(c, uri, method, proto)
	if p.opts.observe {
		p.requestDone(c, method)
	}
	c.releaseTable()
	if !panicked {
		// A context a panic went through may be half-updated: drop it.
		p.putCtx(c)
	}
	if abort {
		// The response could not be completed (backend broke off mid-body,
		// or a panic after the header was sent): cut the client connection
		// so a truncated response is not taken for a complete one.
		panic(http.ErrAbortHandler)
	}
}

// serveSafely runs the request and writes the response. A panic becomes a
// 500 when nothing was written yet, else an aborted connection.
func (p *Proxy) serveSafely(c *reqCtx) (abort, panicked bool) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		panicked = true
		if v == http.ErrAbortHandler { //nolint:errorlint // net/http's sentinel
			abort = true
			return
		}
		p.panics.log(p.log, v, c.RouteId())
		if c.status != 0 || c.hijacked {
			abort = !c.hijacked
			return
		}
		if c.resp != nil && c.resp.Body != nil {
			_ = c.resp.Body.Close()
		}
		c.errored = true
		c.resp = errorResponse(c.req, http.StatusInternalServerError)
		abort = p.writeResponse(c)
	}()
	if c.req.ProtoMajor == 1 && c.req.ProtoMinor == 0 && !p.opts.DisableUpgrade && isUpgrade(c.req.Header) {
		c.setError(&proxyError{status: http.StatusBadRequest, err: errNoUpgrade})
	} else {
		p.serveRoute(c)
	}
	if !c.hijacked {
		abort = p.writeResponse(c)
	}
	return abort, false
}

// serveRoute matches c.req and runs one route: request filters, backend,
// response filters. The result is in c.resp (c.errored for error
// responses). It recurses for loopbacks.
func (p *Proxy) serveRoute(c *reqCtx) {
	route := c.table.Match(c.req, &c.params)
	if route == nil {
		c.setError(&proxyError{status: p.opts.DefaultHTTPStatus, err: errNoRoute})
		return
	}
	c.enterRoute(route, p.opts.PreserveHost)
	c.beforeFilters(route)

	ran := 0
	for _, f := range route.Filters {
		ran++
		f.Filter.Request(c)
		if c.served {
			break
		}
	}
	if !c.served {
		p.backend(c, route)
	} else if route.Metrics != nil {
		route.Metrics.FilterAnswered(ran - 1)
	}
	if c.hijacked {
		return
	}
	if c.resp != nil && !c.errored {
		if _, ok := c.resp.Header["Server"]; !ok {
			c.resp.Header["Server"] = []string{serverName}
		}
	}
	if c.noRespFilt {
		return
	}
	c.route = route
	for i := ran - 1; i >= 0; i-- {
		f := route.Filters[i].Filter
		if c.errored {
			if eh, ok := f.(filters.ErrorHandler); !ok || !eh.HandleErrorResponse() {
				continue
			}
		}
		f.Response(c)
	}
}

// enterRoute makes route the current one and sets the default outgoing
// host for it: the backend's, or with -proxy-preserve-host the request's.
// A Host a filter of an outer route chose before a loopback is kept aside
// (outerHost): an inner network backend gets its own host, as in skipper,
// and a route preserving the Host sends the chosen one.
func (c *reqCtx) enterRoute(route *routing.Route, preserve bool) {
	c.route = route
	if c.depth > 0 && c.outHost != c.defaultHost && c.outHost != "" {
		c.outerHost = c.outHost
	}
	def := ""
	switch {
	case preserve:
		def = c.requestHost
		if c.outerHost != "" {
			def = c.outerHost
		}
	case route.BackendType == routeNetwork:
		def = stripDefaultPort(route.Scheme, route.Host)
	}
	c.outHost, c.defaultHost = def, def
}

func (c *reqCtx) setError(err error) {
	if c.resp != nil && c.resp.Body != nil {
		_ = c.resp.Body.Close()
	}
	c.proxyErr = err
	c.errored = true
	if c.bag != nil {
		c.bag[filters.ProxyError] = err
	}
	c.resp = errorResponse(c.req, statusFor(c.clientCtx, err))
}

// backend runs the backend step of route for c.
func (p *Proxy) backend(c *reqCtx, route *routing.Route) {
	switch route.BackendType {
	case routeShunt:
		drainBody(c.req.Body)
		c.resp = &http.Response{
			StatusCode: http.StatusNotFound,
			Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: make(http.Header, 1),
			Body:   http.NoBody,
		}
	case routeLoop:
		rsp := p.loopback(c)
		c.resp = rsp
	case routeNetwork, routeForward:
		if route.Host == "" {
			c.setError(&proxyError{status: http.StatusInternalServerError, err: errUnknownScheme})
			return
		}
		p.forward(c, route.Scheme, route.Host)
	case routeDynamic:
		scheme, host, err := dynamicTarget(c)
		if err != nil {
			c.setError(&proxyError{status: http.StatusInternalServerError, err: err})
			return
		}
		p.forward(c, scheme, host)
	case routeLB:
		p.forwardLB(c, route)
	default:
		c.setError(&proxyError{status: http.StatusInternalServerError, err: errUnknownScheme})
	}
}

// loopback re-routes c.req on the same table; the path parameters of the
// inner routes are dropped again when it returns.
func (p *Proxy) loopback(c *reqCtx) *http.Response {
	if p.opts.MaxLoopbacks < 0 {
		c.setError(&proxyError{status: http.StatusInternalServerError, err: errLoopbackOff})
		return c.resp
	}
	if c.depth >= p.opts.MaxLoopbacks {
		c.setError(&proxyError{status: http.StatusInternalServerError, err: errMaxLoopbacks})
		return c.resp
	}
	outer := c.route
	n := c.params.Len()
	c.depth++
	c.served = false
	p.serveRoute(c)
	c.depth--
	c.params.Truncate(n)
	c.route = outer
	return c.resp
}

func drainBody(b io.ReadCloser) {
	if b == nil || b == http.NoBody {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(b, maxShuntDrain))
}

// dynamicTarget reads the <dynamic> target from the state bag: a URL, or
// host and scheme, defaulting to the request's Host and the listener's
// scheme. The returned host has a port. The filters that set the target
// checked it with the same parser; the request's own Host is checked here.
func dynamicTarget(c *reqCtx) (scheme, host string, err error) {
	bag := c.bag
	var a eskip.BackendAddress
	if s, ok := bag[filters.DynamicBackendURL].(string); ok && s != "" {
		a, err = eskip.ParseBackendAddress(s)
	} else {
		host, _ = bag[filters.DynamicBackendHost].(string)
		if host == "" {
			host = c.requestHost
		}
		scheme, _ = bag[filters.DynamicBackendScheme].(string)
		if scheme == "" {
			scheme = "http"
			if c.req.TLS != nil {
				scheme = "https"
			}
		}
		a, err = eskip.BackendHost(scheme, host)
	}
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", errBadBackendURL, err)
	}
	return a.Scheme, a.Host, nil
}

func hasBody(r *http.Request) bool { return r.Body != nil && r.Body != http.NoBody }

func (p *Proxy) forward(c *reqCtx, scheme, host string) {
	if err := p.forwardOnce(c, scheme, host); err != nil {
		c.setError(err)
	}
}

// forwardOnce sends c.req to scheme://host and stores the response in
// c.resp. The backendTimeout context stays alive until the body has been
// streamed (c.cancel).
func (p *Proxy) forwardOnce(c *reqCtx, scheme, host string) error {
	if c.upgrade {
		c.backendAddr = host
		return p.serveUpgrade(c, scheme, host)
	}
	if err := p.prepareOutgoing(c); err != nil {
		return err
	}
	r := c.req
	rt, urlScheme := p.transport(c, scheme)
	if rt == nil {
		return &proxyError{status: http.StatusInternalServerError, err: errUnknownScheme}
	}
	// The outgoing request is the incoming one with the backend's address
	// and Host; response filters see the request as it came in again, as
	// skipper's do (a cookie's Domain comes from the client's Host).
	inHost, inURLHost, inScheme := r.Host, r.URL.Host, r.URL.Scheme
	defer func() { r.Host, r.URL.Host, r.URL.Scheme = inHost, inURLHost, inScheme }()
	r.URL.Scheme = urlScheme
	r.URL.Host = host
	absolutePath(r.URL)
	r.Host = c.outHost
	if r.Host == "" {
		r.Host = stripDefaultPort(scheme, host)
	}
	// A route whose backend is an HTTP proxy (backendIsProxy) sends
	// through it; a custom Transport is left alone.
	_, viaProxy := c.bag[filters.BackendIsProxy]
	viaProxy = viaProxy && p.custom == nil
	if viaProxy {
		rt = p.viaProxy
	}
	out := r
	own := rt == roundTripper(p.h1)
	if !own {
		// The h1 client checks what it sends itself; net/http's
		// transports let some of it through (an invalid Host becomes an
		// empty one, control bytes in a query reach HTTP/2 backends).
		if err := h1.ValidateRequest(r); err != nil {
			return err
		}
		out = clientRequest(r)
	}
	if viaProxy {
		out = toProxy(out, c, urlScheme, host)
	}
	c.backendAddr = host
	if c.span != nil {
		p.startAttempt(c, r, host)
	}
	sent := time.Now()
	rsp, err := rt.RoundTrip(out)
	took := time.Since(sent)
	c.backendTime += took
	if p.opts.observe {
		p.attemptDone(c, rsp, err, took)
	}
	if err != nil {
		return c.bodyError(err)
	}
	if !own {
		h1.WithReadIdle(rsp, p.opts.Timeouts.ReadIdle)
	}
	if !p.opts.KeepHopHeaders {
		removeHopHeaders(rsp.Header)
	} else if rsp.Close && rsp.ProtoMinor == 1 {
		// The backend's wish to close its connection is not the client's
		// (net/http's parser drops it too).
		delete(rsp.Header, "Connection")
	}
	c.resp = rsp
	return nil
}

// prepareOutgoing readies c.req for its first attempt: hop-by-hop headers
// out, timeouts applied, a small body read in.
func (p *Proxy) prepareOutgoing(c *reqCtx) error {
	if c.hopsRemoved {
		return nil
	}
	c.hopsRemoved = true
	if !p.opts.KeepHopHeaders {
		removeRequestHopHeaders(c.req.Header)
	}
	p.applyTimeouts(c)
	if err := p.prepareBody(c); err != nil {
		return c.bodyError(err)
	}
	return nil
}

// applyTimeouts turns the timeout state-bag keys into a backend deadline
// and client connection deadlines.
func (p *Proxy) applyTimeouts(c *reqCtx) {
	if len(c.bag) == 0 {
		return
	}
	if d, ok := c.bag[filters.BackendTimeout].(time.Duration); ok && d > 0 {
		ctx, cancel := context.WithTimeout(c.req.Context(), d)
		c.cancel = cancel
		c.req = c.req.WithContext(ctx)
	}
	if d, ok := c.bag[filters.ReadTimeout].(time.Duration); ok && d > 0 && hasBody(c.req) {
		dl := &c.deadlines
		dl.readLimit = earlier(dl.readLimit, time.Now().Add(d))
		if dl.conn != nil {
			_ = dl.conn.SetReadDeadline(dl.readLimit)
		}
	}
}

// roundTripper is what the proxy needs from a backend client. Keeping the
// backend call behind it lets the HTTP/1.1 client be swapped (or compared
// against http.Transport in benchmarks) without touching the request path.
type roundTripper interface {
	RoundTrip(*http.Request) (*http.Response, error)
}

// transport picks the client for scheme and returns the URL scheme to use
// with it.
func (p *Proxy) transport(c *reqCtx, scheme string) (roundTripper, string) {
	if p.custom != nil {
		if scheme == "h2c" {
			scheme = "http"
		}
		return p.custom, scheme
	}
	switch scheme {
	case "http":
		if _, ok := c.req.Header["Expect"]; ok {
			return p.std, "http"
		}
		return p.h1, "http"
	case "https":
		if name, _ := c.bag[filters.BackendTLSName].(string); name != "" {
			return p.named.get(name), "https"
		}
		return p.std, "https"
	case "h2c":
		return p.h2c, "http"
	}
	return nil, ""
}

// absolutePath makes a path a filter left relative (setPath("x"))
// absolute: a request target in origin form starts with "/" (RFC 9112
// §3.2.1). "*" (OPTIONS *) stays.
func absolutePath(u *url.URL) {
	if p := u.Path; p != "" && p[0] != '/' && p != "*" {
		u.Path = "/" + p
		if u.RawPath != "" {
			u.RawPath = "/" + u.RawPath
		}
	}
}

// clientRequest adapts the server request for http.Transport: no
// RequestURI, no connection-close wish of the client, and no User-Agent
// added when the client sent none.
func clientRequest(r *http.Request) *http.Request {
	out := r.WithContext(r.Context())
	// A URL of its own: the transport may still read it after RoundTrip
	// returned, when forwardOnce gives r back its incoming address.
	u := *r.URL
	out.URL = &u
	out.RequestURI = ""
	out.Close = false
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""}
	}
	if out.ContentLength == 0 && out.Body != nil && out.Body != http.NoBody {
		out.ContentLength = -1
	}
	return out
}

type proxyURLKey struct{}

// proxyFromContext is the Proxy function of Proxy.viaProxy.
func proxyFromContext(r *http.Request) (*url.URL, error) {
	u, _ := r.Context().Value(proxyURLKey{}).(*url.URL)
	return u, nil
}

// toProxy turns out, addressed to the route's backend scheme://host, into
// a request for the target the client asked for (its Host, the listener's
// scheme), sent through that backend as an HTTP proxy: absolute form with
// the target as Host (RFC 9112 §3.2), or a CONNECT tunnel for https
// targets. out is the caller's own copy (clientRequest).
func toProxy(out *http.Request, c *reqCtx, scheme, host string) *http.Request {
	target := "http"
	if out.TLS != nil {
		target = "https"
	}
	out.URL.Scheme, out.URL.Host = target, c.requestHost
	out.Host = c.requestHost
	return out.WithContext(context.WithValue(out.Context(), proxyURLKey{}, &url.URL{Scheme: scheme, Host: host}))
}
