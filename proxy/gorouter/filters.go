package gorouter

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/cfhttp"
	"github.com/skiff-proxy/skiff/dataclients/nats/status"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Request and response headers of spec §9.
const (
	headerAppID         = "X-Cf-Applicationid"
	headerInstanceID    = "X-Cf-Instanceid"
	headerInstanceIndex = "X-Cf-Instanceindex"
	headerRequestID     = "X-Vcap-Request-Id"
	headerRequestStart  = "X-Request-Start"
)

// State-bag keys of the pool filter.
const (
	bagEndpoint  = "nats:endpoint"   // *endpoint of the last attempt
	bagRequestID = "nats:request-id" // string
	bagStart     = "nats:start"      // time.Time the pool filter saw the request
)

// poolFilterSpec makes natsPool("key"), the filter of every pool's route.
type poolFilterSpec struct {
	c  *nats.Client
	ip routerIP // for X-Vcap-Router, when a trace key is set
}

func (*poolFilterSpec) Name() string { return nats.PoolFilterName }

func (s *poolFilterSpec) CreateFilter(args []any) (filters.Filter, error) {
	key, err := oneString(specargs.Filter(nats.PoolFilterName, args), "route key")
	if err != nil {
		return nil, err
	}
	o := s.c.Options()
	f := &poolFilter{c: s.c, opts: o, key: key, zone: newZonePreference(o),
		tracing: cfhttp.Tracing{Zipkin: o.Zipkin, W3C: o.W3C, W3CTenantID: o.W3CTenantID}}
	if o.TraceKey != "" {
		f.routerIP = s.ip.get(o)
	}
	return f, nil
}

// oneString is the single string argument of the NATS routes' predicate
// and filters.
func oneString(a specargs.Args, what string) (string, error) {
	if err := a.Count(1, 1); err != nil {
		return "", err
	}
	return a.String(0, what)
}

// poolFilter gives a pool's requests gorouter's request headers (§9.1),
// instance targeting (§11) and sticky sessions (§7.5), and its responses
// gorouter's headers and error answers (§8.3, §9.2, §10).
type poolFilter struct {
	c        *nats.Client
	opts     nats.Options
	key      string
	tracing  cfhttp.Tracing
	routerIP string // X-Vcap-Router; set when opts.TraceKey is
	zone     *zonePreference
}

// endpointWhere returns the address of the last endpoint of the pool for
// which match holds (gorouter keeps the last of several, spec §11).
func (f *poolFilter) endpointWhere(match func(*nats.Endpoint) bool) (string, bool) {
	if e := f.c.FindEndpoint(f.key, match); e != nil {
		return e.Addr(), true
	}
	return "", false
}

func (f *poolFilter) Request(ctx filters.FilterContext) {
	f.request(ctx)
	if r := ctx.Request(); hasSemicolon(r) {
		// After the request id is made: the warning carries it.
		bag := ctx.StateBag()
		id, proxied := bag[bagRequestID].(string)
		if proxied {
			bag[bagSemicolon] = true
		}
		warnSemicolon(f.opts.Log, r, id)
	}
}

// request runs gorouter's steps after the lookup in its order (spec §10):
// empty pool, instance targeting, connection limit, header size, route
// service; then it prepares the request for the backend.
func (f *poolFilter) request(ctx filters.FilterContext) {
	r := ctx.Request()
	bag := ctx.StateBag()
	// Measured before anything here changes the header.
	tooLarge := f.headersTooLarge(r)
	p, _ := f.c.Pool(f.key)
	if p.Endpoints == 0 {
		// Retained empty (spec §4.5), or gone since the table was built.
		ctx.Serve(cfhttp.NoEndpoints(r.Host).Response(r))
		return
	}
	if v := r.Header.Get(appInstanceHeader); v != "" {
		guid, index, _ := cfhttp.ParseAppInstance(v) // Resolve refused malformed values
		addr, ok := f.endpointWhere(func(e *nats.Endpoint) bool {
			return e.App() == guid && e.Index() == index
		})
		if !ok {
			ctx.Serve(cfhttp.InstanceNotFound(guid, index, r.Host).Response(r))
			return
		}
		bag[filters.PreferredEndpoint] = addr
		r.Header.Del(appInstanceHeader)
	} else if v := r.Header.Get(processInstanceHeader); v != "" {
		guid, index, _ := cfhttp.ParseProcessInstance(v)
		addr, ok := f.endpointWhere(func(e *nats.Endpoint) bool {
			return e.Tag("process_id") == guid && (index == "" || e.Index() == index)
		})
		if !ok {
			ctx.Serve(cfhttp.ProcessInstanceNotFound(guid, index, r.Host).Response(r))
			return
		}
		bag[filters.PreferredEndpoint] = addr
	} else if id, ok := cfhttp.RequestedInstance(r, f.opts.StickySessionCookieNames); ok {
		if addr, ok := f.endpointWhere(func(e *nats.Endpoint) bool { return e.PrivateInstanceID() == id }); ok {
			bag[filters.PreferredEndpoint] = addr
		}
	}

	if _, targeted := bag[filters.PreferredEndpoint]; !targeted {
		f.preferLocal(bag, p.Algorithm)
	}

	if f.checkLimit(bag) {
		ctx.Serve(cfhttp.ConnectionLimit(r.Host).Response(r))
		return
	}
	if tooLarge {
		ctx.Serve(requestHeadersTooLarge(r))
		return
	}
	if p.RouteServiceURL != "" {
		ctx.Serve(cfhttp.RouteServicesDisabled().Response(r))
		return
	}

	h := r.Header
	id := f.tracing.RequestHeaders(h)
	bag[bagRequestID] = id
	bag[bagStart] = f.opts.Now()
	h[headerRequestID] = []string{id}
	if _, ok := h[headerRequestStart]; !ok {
		h[headerRequestStart] = []string{cfhttp.RequestStart(f.opts.Now())}
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if old := h.Get("X-Forwarded-For"); old != "" {
			h.Set("X-Forwarded-For", old+", "+ip)
		} else {
			h.Set("X-Forwarded-For", ip)
		}
	}
	if _, ok := h["X-Forwarded-Proto"]; !ok {
		proto := "http"
		if r.TLS != nil {
			proto = "https"
		}
		h.Set("X-Forwarded-Proto", proto)
	}
}

func (f *poolFilter) Response(ctx filters.FilterContext) {
	bag := ctx.StateBag()
	release(bag) // the response headers are in, or the attempt failed
	r := ctx.Request()
	e, _ := bag[bagEndpoint].(*nats.Endpoint)
	f.accessLogFields(bag, e)
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	if err, failed := bag[filters.ProxyError].(error); failed {
		ce := cfhttp.EndpointFailure(err, r.Context().Err() != nil)
		*rsp = *ce.Response(r)
		logField(bag, accesslog.KeyRouterError, ce.RouterError)
		if ce.Status == http.StatusBadGateway {
			f.c.Counters().BadGateway()
		}
		f.observe(bag, ce.Status)
		return
	}
	f.observe(bag, rsp.StatusCode)
	id, proxied := bag[bagRequestID].(string)
	if !proxied {
		// The filter answered itself (empty pool, connection limit, 431 ...).
		return
	}
	if rsp.Header.Get(headerRequestID) == "" {
		rsp.Header.Set(headerRequestID, id)
	}
	f.traceHeaders(r, rsp, e)
	semicolonLogField(bag, rsp)
	// Only an endpoint with an instance id can be stuck to (spec §7.5):
	// the others need no pool lookup for the cookie's path.
	if e != nil && e.PrivateInstanceID() != "" && rsp.StatusCode < 400 {
		cp := "/"
		if p, ok := f.c.Pool(f.key); ok {
			cp = p.ContextPath
		}
		if c, ok := cfhttp.StickyCookie(rsp, r, e.PrivateInstanceID(), cp, f.opts.StickySessionCookieNames, f.opts.SecureCookies); ok {
			rsp.Header.Add("Set-Cookie", c)
		}
	}
}

// observe counts the response for /varz.
func (f *poolFilter) observe(bag map[string]any, status int) {
	var d time.Duration
	if start, ok := bag[bagStart].(time.Time); ok {
		d = f.opts.Now().Sub(start)
	}
	f.c.Counters().Observe(status, d)
}

// HandleErrorResponse: the proxy's error answers become gorouter's.
func (*poolFilter) HandleErrorResponse() bool { return true }

// accessLogFields hands the gorouter access-log format its fields.
func (f *poolFilter) accessLogFields(bag map[string]any, e *nats.Endpoint) {
	if id, ok := bag[bagRequestID].(string); ok {
		logField(bag, accesslog.KeyRequestID, id)
	}
	if e != nil {
		logField(bag, accesslog.KeyAppID, e.App())
		logField(bag, accesslog.KeyAppIndex, e.Index())
		logField(bag, accesslog.KeyInstanceID, e.PrivateInstanceID())
	}
}

// logField adds a field for the access log (filters.AccessLogAdditional).
func logField(bag map[string]any, k string, v any) {
	add, _ := bag[filters.AccessLogAdditional].(map[string]any)
	if add == nil {
		add = make(map[string]any, 5)
		bag[filters.AccessLogAdditional] = add
	}
	add[k] = v
}

// routerFilterSpec makes natsRouter("answer"), the router's own answers.
type routerFilterSpec struct{ c *nats.Client }

func (*routerFilterSpec) Name() string { return nats.RouterFilterName }

func (s *routerFilterSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(nats.RouterFilterName, args)
	answer, err := oneString(a, "answer")
	if err != nil {
		return nil, err
	}
	switch answer {
	case "health", "unsupported_protocol", "empty_host", "invalid_cf_app_instance_header", "invalid_cf_process_instance_header", "unknown_route":
	default:
		return nil, a.Errorf("unknown router answer %q", answer)
	}
	return &routerFilter{c: s.c, answer: answer}, nil
}

type routerFilter struct {
	c      *nats.Client
	answer string
}

func (f *routerFilter) Request(ctx filters.FilterContext) {
	r := ctx.Request()
	if hasSemicolon(r) {
		// gorouter warns before any of its checks, so for these answers
		// too; their own router error comes first in the access log.
		warnSemicolon(f.c.Options().Log, r, "")
	}
	var e cfhttp.Error
	switch f.answer {
	case "health":
		ctx.Serve(healthResponse(r, f.c.Options().Healthy()))
		return
	case "unsupported_protocol":
		refuseProtocol(ctx)
		return
	case "empty_host":
		e = cfhttp.EmptyHost()
	case "invalid_cf_app_instance_header":
		e = cfhttp.InvalidAppInstanceHeader()
	case "invalid_cf_process_instance_header":
		e = cfhttp.InvalidProcessInstanceHeader()
	default:
		e = unknownRoute(r)
	}
	logField(ctx.StateBag(), accesslog.KeyRouterError, e.RouterError)
	if e.Status == http.StatusBadRequest || e.Status == http.StatusNotFound {
		f.c.Counters().BadRequest()
	}
	ctx.Serve(e.Response(r))
}

func (*routerFilter) Response(filters.FilterContext) {}

// unknownRoute is the answer for a request no pool serves: 404, or 400
// when it targeted an instance (spec §10).
func unknownRoute(r *http.Request) cfhttp.Error {
	if v := r.Header.Get(appInstanceHeader); v != "" {
		if guid, index, ok := cfhttp.ParseAppInstance(v); ok {
			return cfhttp.InstanceNotFound(guid, index, r.Host)
		}
	} else if v := r.Header.Get(processInstanceHeader); v != "" {
		if guid, index, ok := cfhttp.ParseProcessInstance(v); ok {
			return cfhttp.ProcessInstanceNotFound(guid, index, r.Host)
		}
	}
	return cfhttp.UnknownRoute(r.Host)
}

// healthResponse is the status listener's /health answer (spec §12.2).
func healthResponse(r *http.Request, healthy bool) *http.Response {
	code, header, body := status.HealthAnswer(healthy)
	return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: header, Request: r, Close: true,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
}
