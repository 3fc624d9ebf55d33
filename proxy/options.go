package proxy

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/routing"
)

// TableSource hands out the routing table a request is served with.
// *routing.Routing satisfies it; every Acquire is paired with Table.Release.
type TableSource interface {
	Acquire() *routing.Table
}

// AccessEntry is one served request as the access log sees it; package
// accesslog writes it.
type AccessEntry = accesslog.Entry

// AccessLogger receives one entry per request after the response was
// written. Log is called on the request goroutine and must not block.
type AccessLogger interface {
	Log(AccessEntry)
}

// AccessLogSwitch is what the access-log filters store in the state bag
// under filters.AccessLogEnabled when the decision depends on the status.
// A plain bool is accepted as well.
type AccessLogSwitch interface {
	AccessLogEnabled(status int) bool
}

// Timeouts of the backend side. Zero means the default given per field; a
// negative value means no limit.
type Timeouts struct {
	// Dial bounds the TCP connect to a backend (-timeout-backend, 60s).
	Dial time.Duration
	// TLSHandshake bounds the TLS handshake with https backends
	// (-tls-timeout-backend, 60s).
	TLSHandshake time.Duration
	// ResponseHeader bounds the wait for the backend's response headers
	// after the request was sent (-response-header-timeout-backend, 60s).
	ResponseHeader time.Duration
	// IdleConn closes pooled backend connections idle for longer than this,
	// and is the period at which all idle connections are closed so DNS
	// changes are picked up (-close-idle-conns-period, 20s).
	IdleConn time.Duration
	// KeepAlive is the TCP keep-alive period of backend connections
	// (-keepalive-backend, 30s).
	KeepAlive time.Duration
	// ExpectContinue bounds the wait for "100 Continue" when the client sent
	// Expect: 100-continue with a body too large to buffer
	// (-expect-continue-timeout-backend, 1s): after it the body is sent
	// anyway, as curl does, so a backend that never answers 100 does not
	// stall every upload.
	ExpectContinue time.Duration
	// UpgradeDial bounds the connect for upgrade (WebSocket) requests
	// (-upgrade-dial-timeout, 30s).
	UpgradeDial time.Duration
	// ReadIdle bounds the wait for the next bytes of a backend's response
	// body (-read-idle-timeout-backend, 60s): a backend that stops sending
	// in the middle of a body is cut instead of holding the client and the
	// connection for ever.
	ReadIdle time.Duration
}

// Options configure a Proxy. The zero value of every field but Tables is
// usable.
type Options struct {
	// Tables provides the routing table; required.
	Tables TableSource

	// PreserveHost sends the incoming Host header to the backend instead
	// of the backend's host (-proxy-preserve-host).
	PreserveHost bool
	// MaxLoopbacks bounds <loopback> re-routing per request
	// (-max-loopbacks): 0 means 9, negative disables loopbacks.
	MaxLoopbacks int
	// DefaultHTTPStatus is the status when no route matches
	// (-default-http-status): 0 means 404; 100–511 allowed.
	DefaultHTTPStatus int
	// KeepHopHeaders forwards hop-by-hop headers (Connection, Keep-Alive,
	// TE, Upgrade, ... and headers named in Connection) in both directions
	// instead of removing them (-keep-hop-headers).
	KeepHopHeaders bool
	// DisableUpgrade turns off WebSocket/Upgrade proxying
	// (-disable-upgrade); upgrade requests are then forwarded as plain HTTP.
	DisableUpgrade bool

	// Timeouts of the backend side (see Timeouts for the defaults).
	Timeouts Timeouts
	// MaxIdleConnsPerHost is the number of idle connections kept per
	// backend host (-idle-conns-num): 0 means 64, negative keeps none.
	MaxIdleConnsPerHost int
	// MaxIdleConns bounds the idle connections kept for all backend hosts
	// together (-max-idle-connection-backend): 0 means no such bound.
	MaxIdleConns int
	// DisableKeepAlives opens a new backend connection per request
	// (-disable-http-keepalives).
	DisableKeepAlives bool
	// Insecure skips TLS verification of https backends (-insecure).
	Insecure bool
	// ClientTLS is the TLS configuration for https backends (client
	// certificates, roots); Insecure is applied on top of a copy.
	ClientTLS *tls.Config
	// BackendHTTP1Only stops negotiating HTTP/2 with https backends
	// (-backend-http1-only).
	BackendHTTP1Only bool

	// ClientReadIdle bounds the wait for the next bytes of a request body
	// (-read-idle-timeout-server, 60s); a body that stalls longer is
	// answered 408 and its connection closed.
	ClientReadIdle time.Duration
	// ClientWriteIdle bounds each write of a response to the client
	// (-write-idle-timeout-server, 60s); a client that reads nothing for
	// longer is disconnected, which frees the backend connection.
	ClientWriteIdle time.Duration
	// ServerReadTimeout and ServerWriteTimeout are the listener's
	// whole-request limits (http.Server ReadTimeout and WriteTimeout,
	// zero: none). The proxy sets the connection's deadlines itself for
	// the idle bounds above and must not extend these.
	ServerReadTimeout  time.Duration
	ServerWriteTimeout time.Duration
	// BufferBodyBytes is the size up to which a request body is read in
	// full before a backend connection is taken
	// (-request-body-buffer-bytes, 64 KiB); negative: never.
	BufferBodyBytes int64

	// AccessLog receives an entry per request; nil disables it.
	AccessLog AccessLogger
	// AccessLogDisabled logs only requests whose route switched the access
	// log on (enableAccessLog) (-access-log-disabled).
	AccessLogDisabled bool
	// Log is the application log (panics, close errors); default: logrus'
	// standard logger. Nothing is logged on the normal request path.
	Log logrus.FieldLogger

	// Transport replaces the backend client for every scheme, for tests
	// and embedders with special needs. Upgrade requests still dial.
	Transport http.RoundTripper

	// Metrics, when set, turns on the proxy's reports to the routes'
	// metric handles (routing.Route.Metrics, bound when routes are built)
	// and receives the requests no route matched itself. nil: the proxy
	// measures nothing.
	Metrics routing.RouteMetrics
	// FilterMetrics receives what filters record through
	// FilterContext.Metrics (metrics.Registry.Custom); nil discards it.
	FilterMetrics filters.Metrics
	// Tracer, when set, traces every request: a server span from before
	// routing to the end of the response, in the request's context while
	// predicates and filters run, and a client span per backend attempt
	// whose context goes to the backend in the request's headers. nil: no
	// tracing, at the cost of a nil check.
	Tracer trace.Tracer
	// Propagator reads the trace context of incoming requests and writes
	// it into the requests to backends; nil means W3C trace context and
	// baggage.
	Propagator propagation.TextMapPropagator

	// observe is set by withDefaults when Metrics or Tracer is.
	observe bool
}

const (
	defaultTimeout       = 60 * time.Second
	defaultIdleConn      = 20 * time.Second
	defaultKeepAlive     = 30 * time.Second
	defaultExpect        = time.Second
	defaultClientIdle    = 60 * time.Second
	defaultBufferBody    = 64 << 10
	defaultUpgradeDial   = 30 * time.Second
	defaultMaxLoopbacks  = 9
	defaultIdlePerHost   = 64
	defaultNoRouteStatus = http.StatusNotFound
)

func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func (o Options) withDefaults() Options {
	t := &o.Timeouts
	t.Dial = orDefault(t.Dial, defaultTimeout)
	t.TLSHandshake = orDefault(t.TLSHandshake, defaultTimeout)
	t.ResponseHeader = orDefault(t.ResponseHeader, defaultTimeout)
	t.IdleConn = orDefault(t.IdleConn, defaultIdleConn)
	t.KeepAlive = orDefault(t.KeepAlive, defaultKeepAlive)
	t.ExpectContinue = orDefault(t.ExpectContinue, defaultExpect)
	t.UpgradeDial = orDefault(t.UpgradeDial, defaultUpgradeDial)
	t.ReadIdle = orDefault(t.ReadIdle, defaultTimeout)
	o.ClientReadIdle = orDefault(o.ClientReadIdle, defaultClientIdle)
	o.ClientWriteIdle = orDefault(o.ClientWriteIdle, defaultClientIdle)
	if o.BufferBodyBytes == 0 {
		o.BufferBodyBytes = defaultBufferBody
	}
	if o.MaxLoopbacks == 0 {
		o.MaxLoopbacks = defaultMaxLoopbacks
	}
	if o.DefaultHTTPStatus < 100 || o.DefaultHTTPStatus > 511 {
		o.DefaultHTTPStatus = defaultNoRouteStatus
	}
	if o.MaxIdleConnsPerHost == 0 {
		o.MaxIdleConnsPerHost = defaultIdlePerHost
	}
	if o.Log == nil {
		o.Log = logrus.StandardLogger()
	}
	if o.Propagator == nil {
		o.Propagator = defaultPropagator
	}
	if o.FilterMetrics == nil {
		o.FilterMetrics = filters.DiscardMetrics
	}
	o.observe = o.Metrics != nil || o.Tracer != nil
	return o
}
