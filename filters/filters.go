package filters

import (
	"errors"
	"net/http"
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
type FilterContext interface {
	// Request is the incoming request; filters change it in place and it
	// becomes the outgoing request.
	Request() *http.Request
	// Response is nil in the request phase unless a filter served one.
	Response() *http.Response
	// OriginalRequest and OriginalResponse are copies without body taken
	// before any filter ran, when the proxy keeps them; otherwise nil.
	OriginalRequest() *http.Request
	OriginalResponse() *http.Response

	// Serve answers the request with rsp: the remaining request filters and
	// the backend are skipped. A nil Header or Body is replaced by an empty one.
	Serve(rsp *http.Response)
	// Served reports whether a filter has called Serve.
	Served() bool

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

	// Loopback routes the current request again against the same table and
	// discards the response; LoopbackWithResponse keeps it as Response().
	Loopback()
	LoopbackWithResponse()

	// Split returns a copy of the context with its own state bag and a
	// request whose body is fed as the original body is read. It fails for
	// upgrade requests.
	Split() (FilterContext, error)
}

// Context is a short name for FilterContext.
type Context = FilterContext

// ErrInvalidFilterParameters is returned (possibly wrapped) by CreateFilter
// when the arguments are wrong.
var ErrInvalidFilterParameters = errors.New("invalid filter parameters")

// State-bag keys the proxy interprets. Filters set them to ask the proxy for
// a behaviour; see spec/filters.md §1.4.
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
)

// FlowIdHeader is the request header that carries the flow id.
const FlowIdHeader = "X-Flow-Id"
