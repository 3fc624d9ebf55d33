package filters

import (
	"errors"
	"net/http"
	"time"
)

// Spec creates filters of one kind. CreateFilter is called once per route
// and routing-table generation with the route's arguments: float64 or string
// values when the route came from eskip, any type when built in Go. It must
// validate them and return an error naming what is wrong; the route is then
// invalid and left out of the table.
type Spec interface {
	Name() string
	CreateFilter(args []any) (Filter, error)
}

// Filter is one filter of one route. A single instance serves every request
// of the route concurrently, so per-request data belongs in the state bag,
// never in the Filter's fields.
type Filter interface {
	Request(FilterContext)
	Response(FilterContext)
}

// Closer is implemented by filters that hold resources (goroutines,
// connections). Close is called once the routing table generation that owns
// the filter is no longer used by any request.
type Closer interface {
	Filter
	Close() error
}

// ErrorHandler is implemented by filters whose Response method should also
// run when the proxy produced an error response (backend unreachable,
// timeout, ...). Other filters see only responses that came from a backend or
// from a filter.
type ErrorHandler interface {
	HandleErrorResponse() bool
}

// Logger is the request-scoped logger a filter gets from its context.
type Logger interface {
	Debugf(format string, args ...any)
	Infof(format string, args ...any)
	Warnf(format string, args ...any)
	Errorf(format string, args ...any)
}

// FilterContext is what a filter sees of the request it runs for.
//
// A context is valid only while the proxy runs the filter's Request or
// Response method for it. The proxy pools contexts, their state bags and
// their path parameters and hands them to later requests, so a filter must
// not keep the context, the map StateBag returns or the writer
// ResponseWriter returns once the method has returned: a goroutine that
// outlives the request copies the values it needs first, or works on a
// Split context, which belongs to nobody else. A context used after its
// request ended panics with a message saying so (the proxy can tell while
// the context waits in its pool; run tests with SKIFF_DEBUG_CONTEXT=1 so
// contexts are never reused and every late use panics).
type FilterContext interface {
	// Request is the incoming request; filters change it in place and it
	// becomes the outgoing request.
	Request() *http.Request
	// Response is nil in the request phase unless a filter served one.
	Response() *http.Response
	// OriginalRequest is a copy of the request as the client sent it,
	// before any filter ran: method, URL, protocol, Host, header,
	// RemoteAddr, RequestURI, TLS and the client's context, without body.
	// The copy is the caller's own; repeated calls return the same copy.
	OriginalRequest() *http.Request
	// OriginalResponse is a copy without body of the response before any
	// response filter changed it, or nil while there is no response: as the
	// backend sent it (without hop-by-hop fields, with the Server field the
	// proxy adds when there is none), or as a filter or the proxy produced
	// it. The copy is the caller's own; repeated calls return the same copy.
	OriginalResponse() *http.Response

	// Serve answers the request with rsp: the remaining request filters and
	// the backend are skipped. A nil Header or Body is replaced by an empty one.
	Serve(rsp *http.Response)
	// Served reports whether a filter has called Serve or MarkServed.
	Served() bool
	// ResponseWriter is the client's response writer, for filters that
	// write the answer themselves. Writing through it, or calling
	// MarkServed, makes the proxy write nothing and skip the backend and
	// the response filters. Prefer Serve, which keeps the response
	// filters and the proxy's error handling.
	ResponseWriter() http.ResponseWriter
	// MarkServed tells the proxy that the filter answered (or will answer)
	// through ResponseWriter.
	MarkServed()

	// PathParam returns the value of a Path or PathSubtree wildcard.
	PathParam(name string) string
	// StateBag is per-request storage shared by the filters of the route
	// and of routes reached through loopback.
	StateBag() map[string]any

	// BackendUrl is the route's network backend ("" for other kinds).
	BackendUrl() string
	// OutgoingHost is the Host header the backend will receive.
	OutgoingHost() string
	SetOutgoingHost(host string)

	// RouteId is the id of the route being executed.
	RouteId() string
	Logger() Logger
	// Metrics records custom metrics of the filter: exported as
	// skiff_custom_total and skiff_custom_duration_seconds by key, or
	// discarded when metrics are off (DiscardMetrics).
	Metrics() Metrics

	// Loopback routes the current request again against the same table and
	// discards the response; LoopbackWithResponse keeps it as Response().
	Loopback()
	LoopbackWithResponse()

	// Split returns a copy of the context with its own state bag and a
	// request whose body is fed as the original body is read. It fails for
	// upgrade requests. The split context is not pooled: a goroutine may
	// keep it after the original request ended.
	Split() (FilterContext, error)
}

// Metrics lets a filter record metrics of its own, named by key. It has
// the methods of skipper's filters.Metrics, so ported filters compile.
type Metrics interface {
	// MeasureSince adds the time since start to the timer key.
	MeasureSince(key string, start time.Time)
	// IncCounter adds one to the counter key.
	IncCounter(key string)
	// IncCounterBy adds value to the counter key.
	IncCounterBy(key string, value int64)
	// IncFloatCounterBy adds value to the float counter key.
	IncFloatCounterBy(key string, value float64)
}

// DiscardMetrics is a Metrics that records nothing.
var DiscardMetrics Metrics = discardMetrics{}

type discardMetrics struct{}

func (discardMetrics) MeasureSince(string, time.Time)    {}
func (discardMetrics) IncCounter(string)                 {}
func (discardMetrics) IncCounterBy(string, int64)        {}
func (discardMetrics) IncFloatCounterBy(string, float64) {}

// FilterContextLogger and FilterCloser are skipper's names for Logger and
// Closer, so filters ported from skipper compile unchanged.
type (
	FilterContextLogger = Logger
	FilterCloser        = Closer
)

// Context is a short name for FilterContext.
type Context = FilterContext

// ErrInvalidFilterParameters is returned (possibly wrapped) by CreateFilter
// when the arguments are wrong.
var ErrInvalidFilterParameters = errors.New("invalid filter parameters")

// ErrRequestBodyRejected is returned, possibly wrapped, by a request-body
// reader a filter installed when it refuses the body (blockContent): the
// proxy answers 400, whichever transport was sending the body.
var ErrRequestBodyRejected = errors.New("request body rejected")

// State-bag keys the proxy interprets. Filters set them to ask the proxy for
// a behaviour (docs/filters.md).
const (
	BackendTimeout        = "backend:timeout"        // time.Duration
	ReadTimeout           = "read:timeout"           // time.Duration
	WriteTimeout          = "write:timeout"          // time.Duration
	DynamicBackendURL     = "backend:dynamic:url"    // string
	DynamicBackendHost    = "backend:dynamic:host"   // string
	DynamicBackendScheme  = "backend:dynamic:scheme" // string
	BackendIsProxy        = "backend:isproxy"
	CircuitBreakerKey     = "#circuitbreakersettings"
	ConsistentHashKey     = "consistentHashKey"           // string
	ConsistentHashBalance = "consistentHashBalanceFactor" // float64
	AccessLogEnabled      = "statebag:access_log:proxy:enabled"
	AccessLogAdditional   = "statebag:access_log:additional" // map[string]any
	AuthUser              = "auth-user"                      // string
	// FlowId holds the request's flow id (set by the flowId filter); the
	// access log prints it, falling back to the FlowIdHeader request header.
	FlowId = "flowid" // string
	// PreferredEndpoint names the endpoint (host:port) a load-balanced
	// route should send the request to, when that endpoint is in its pool
	// and usable (not dead, not lame-duck, not the one that just failed):
	// sticky sessions and instance targeting. Otherwise the algorithm
	// chooses as usual.
	PreferredEndpoint = "backend:lb:preferred" // string
	// ProxyError is set by the proxy when it answers with an error
	// response (no route, backend unreachable, timeout...): the cause, for
	// the response filters that handle error responses (ErrorHandler).
	ProxyError = "proxy:error" // error
	// BackendTLSName is the name an https endpoint's certificate must be
	// valid for, when it is not the endpoint's host: an AttemptFilter sets
	// it for the endpoint it is told about (a Cloud Foundry instance's
	// server_cert_domain_san). Connections are pooled per name, so a
	// connection verified for one name never serves another.
	BackendTLSName = "backend:tls:name" // string
)

// AttemptFilter is implemented by filters that adjust the outgoing
// request for the endpoint a load-balanced route chose, before each
// attempt (a retry may choose another): per-endpoint headers. endpoint is
// host:port. It runs after every request filter and must not serve.
type AttemptFilter interface {
	Filter
	Attempt(ctx FilterContext, endpoint string)
}

// AttemptGate is implemented by filters that may refuse an attempt of a
// load-balanced route before the chosen endpoint (host:port) is contacted
// (backendRatelimit). It is asked after the AttemptFilters; a non-nil
// response is the answer, as the backend's would be (response filters
// run): the endpoint is not contacted, its health is not touched, and no
// other endpoint is tried.
type AttemptGate interface {
	Filter
	RefuseAttempt(ctx FilterContext, endpoint string) *http.Response
}

// RetryFilter is implemented by filters that decide whether a request to
// a load-balanced route goes on to another endpoint after an attempt
// failed without a response: an attempt budget and the error classes
// worth another try. n is the number of the attempt that failed (1 for
// the first), endpoint its host:port. The proxy tells it of every failed
// attempt (so it can act on the endpoint), and follows its answer only
// when another attempt is possible: the client is still there and the
// request body, if any, has not been read yet. Without such a filter a
// request is sent a second time only when its first attempt could not
// connect.
type RetryFilter interface {
	Filter
	AttemptFailed(ctx FilterContext, endpoint string, n int, err error) (retry bool)
}

// RequestHost is the request's Host as the filters so far left it: the
// Host a filter chose for the outgoing request (setRequestHeader("Host",
// ...), modRequestHeader("Host", ...) and the like), else the Host the
// client sent. Filters that build URLs of the request, as redirects do,
// use it, so that a Host rewritten before them counts (skipper's filters
// read the Host header those filters set).
func RequestHost(ctx FilterContext) string {
	if hc, ok := ctx.(interface{ FilterSetHost() (string, bool) }); ok {
		if h, set := hc.FilterSetHost(); set {
			return h
		}
	}
	return ctx.Request().Host
}

// FlowIdHeader is the request header that carries the flow id.
const FlowIdHeader = "X-Flow-Id"
