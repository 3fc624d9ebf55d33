package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/skiff-proxy/skiff/proxy/internal/h1"
	"github.com/skiff-proxy/skiff/routing"
)

// Span names, as skipper's: the server span of a request and the client
// span of each backend attempt, which a route can rename with
// tracingSpanName (it stores the name under spanNameKey).
const (
	serverSpanName = "ingress"
	clientSpanName = "proxy"
	// spanNameKey is filters/tracing.SpanNameKey, skipper's state-bag key.
	spanNameKey = "statebag:opentracing:proxy:span"
)

// Span attributes of skiff's own; the others are OpenTelemetry's HTTP
// semantic conventions.
const (
	attrRouteID  = attribute.Key("skiff.route.id")
	attrEndpoint = attribute.Key("skiff.endpoint")
	attrRetry    = attribute.Key("http.request.resend_count")
)

// defaultPropagator reads and writes W3C trace context and baggage.
var defaultPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// Everything in this file runs only when Options.Metrics or
// Options.Tracer is set: the request path pays one check of a field
// otherwise.

// startServerSpan starts the request's server span, as the child of the
// trace context the request carries, and puts it in the request's
// context before routing, so that predicates and filters see it.
func (p *Proxy) startServerSpan(c *reqCtx) {
	r := c.req
	ctx := p.opts.Propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs,
		attribute.String("http.request.method", r.Method),
		attribute.String("url.path", r.URL.Path),
		attribute.String("server.address", r.Host),
		attribute.String("network.protocol.version", protoVersion(r)),
	)
	if ua := r.Header.Get("User-Agent"); ua != "" {
		attrs = append(attrs, attribute.String("user_agent.original", ua))
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		attrs = append(attrs, attribute.String("client.address", host))
	}
	ctx, c.span = p.opts.Tracer.Start(ctx, serverSpanName, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	c.req = r.WithContext(ctx)
}

func protoVersion(r *http.Request) string {
	switch {
	case r.ProtoMajor == 2:
		return "2"
	case r.ProtoMajor == 1 && r.ProtoMinor == 0:
		return "1.0"
	}
	return "1.1"
}

// requestDone reports the finished request: to its route's metrics (or
// the no-route handle) and, when traced, ends its spans.
func (p *Proxy) requestDone(c *reqCtx, method string) {
	m := p.opts.Metrics
	if c.route != nil {
		m = c.route.Metrics
	}
	if m != nil {
		m.Served(method, c.status, time.Since(c.start))
	}
	if c.clientSpan != nil {
		c.clientSpan.End()
		c.clientSpan = nil
	}
	if s := c.span; s != nil {
		s.SetAttributes(attribute.Int("http.response.status_code", c.status))
		if c.route != nil {
			s.SetAttributes(attrRouteID.String(c.route.Id))
		}
		if c.status >= 500 {
			s.SetStatus(codes.Error, strconv.Itoa(c.status))
		}
		s.End()
		c.span = nil
	}
}

// startAttempt starts the client span of a backend attempt, in the
// request's trace, and writes its context into the outgoing request's
// headers (traceparent), so that the backend continues the trace.
func (p *Proxy) startAttempt(c *reqCtx, r *http.Request, host string) {
	if c.span == nil {
		return
	}
	if c.clientSpan != nil {
		// A response of an earlier attempt (a loopback's) is left:
		// its span ends here.
		c.clientSpan.End()
		c.clientSpan = nil
	}
	name := clientSpanName
	if n, ok := c.bag[spanNameKey].(string); ok && n != "" {
		name = n
	}
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs,
		attrEndpoint.String(host),
		attrRetry.Int(c.retry),
		attribute.String("http.request.method", r.Method),
	)
	if c.route != nil {
		attrs = append(attrs, attrRouteID.String(c.route.Id))
	}
	if h, port, err := net.SplitHostPort(host); err == nil {
		attrs = append(attrs, attribute.String("server.address", h))
		if n, err := strconv.Atoi(port); err == nil {
			attrs = append(attrs, attribute.Int("server.port", n))
		}
	}
	ctx, span := p.opts.Tracer.Start(c.req.Context(), name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	p.opts.Propagator.Inject(ctx, propagation.HeaderCarrier(r.Header))
	c.clientSpan = span
}

// attemptDone reports a backend round trip that took d: to the route's
// metrics, and to the attempt's span, which ends now when the attempt
// failed, else when the response has been streamed (requestDone).
func (p *Proxy) attemptDone(c *reqCtx, rsp *http.Response, err error, d time.Duration) {
	f := routing.NoFailure
	if err != nil {
		f = backendFailure(c.clientCtx, err)
	}
	if c.route != nil && c.route.Metrics != nil {
		c.route.Metrics.RoundTrip(d, f)
	}
	s := c.clientSpan
	if s == nil {
		return
	}
	if err != nil {
		s.RecordError(err)
		kind := f.String()
		if kind == "" {
			kind = "canceled"
		}
		s.SetAttributes(attribute.String("error.type", kind))
		s.SetStatus(codes.Error, err.Error())
		s.End()
		c.clientSpan = nil
		return
	}
	s.SetAttributes(attribute.Int("http.response.status_code", rsp.StatusCode))
	if rsp.StatusCode >= 500 {
		s.SetStatus(codes.Error, strconv.Itoa(rsp.StatusCode))
	}
}

// backendFailure classifies a failed round trip for the metrics. An
// attempt the client cancelled by leaving is no backend failure.
func backendFailure(client context.Context, err error) routing.BackendFailure {
	var bad *h1.BadResponseError
	switch {
	case client.Err() != nil || errors.Is(err, context.Canceled):
		return routing.NoFailure
	case isDialError(err):
		return routing.FailureDial
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT):
		return routing.FailureTimeout
	case errors.As(err, &bad) || isMalformedResponse(err):
		return routing.FailureMalformed
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE):
		return routing.FailureReset
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return routing.FailureTimeout
	}
	return routing.FailureOther
}
