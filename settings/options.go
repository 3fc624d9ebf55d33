package settings

import (
	"crypto/tls"
	"io"
	"net"
	"time"

	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel/trace"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/metrics"
	"github.com/skiff-proxy/skiff/proxy/frontconn"
	"github.com/skiff-proxy/skiff/routing"
)

// Defaults applied by Run to zero-valued Options fields.
const (
	DefaultAddress         = ":9090"
	DefaultSupportListener = "127.0.0.1:9911"
	DefaultMaxLoopbacks    = 9
	DefaultHTTPStatus      = 404

	// DefaultMetricsMaxRoutes is MetricsMaxRoutes' default.
	DefaultMetricsMaxRoutes = metrics.DefaultMaxRoutes

	DefaultReadTimeoutServer       = 5 * time.Minute
	DefaultReadHeaderTimeoutServer = 60 * time.Second
	DefaultIdleTimeoutServer       = 60 * time.Second
	DefaultMaxHeaderBytes          = frontconn.DefaultMaxHeaderBytes
	DefaultMaxRequestLineBytes     = frontconn.DefaultMaxRequestLineBytes
	DefaultMaxTotalHeaderBytes     = frontconn.DefaultMaxTotalHeaderBytes
	DefaultParkIdleAfter           = frontconn.DefaultParkIdleAfter
	DefaultGCHeapHeadroom          = 32 << 20
	DefaultReadIdleTimeoutServer   = 60 * time.Second
	DefaultWriteIdleTimeoutServer  = 60 * time.Second
	DefaultRequestBodyBufferBytes  = 64 << 10

	DefaultTimeoutBackend               = 60 * time.Second
	DefaultKeepaliveBackend             = 30 * time.Second
	DefaultTLSTimeoutBackend            = 60 * time.Second
	DefaultResponseHeaderTimeoutBackend = 60 * time.Second
	DefaultExpectContinueTimeoutBackend = time.Second
	DefaultReadIdleTimeoutBackend       = 60 * time.Second
	DefaultIdleConnsPerHost             = 64
	DefaultCloseIdleConnsPeriod         = 20 * time.Second
	DefaultUpgradeDialTimeout           = 30 * time.Second

	DefaultEtcdUnreachableAfter = 30 * time.Second

	DefaultWaitForHealthcheckInterval = 45 * time.Second
	DefaultShutdownTimeout            = 30 * time.Second
)

// Options configure Run. The zero value of a field means its default (the
// Default* constants); for durations a negative value means "no limit" or
// "none", for MaxLoopbacks it means no loopback at all.
type Options struct {
	// Address is the proxy listener (":9090").
	Address string
	// RoutesFiles are eskip files, watched for changes.
	RoutesFiles []string
	// InlineRoutes is an eskip document, static for the life of the process.
	InlineRoutes string
	// Etcd reads routes from etcd (docs/etcd.md); without Endpoints there
	// is no etcd source. The endpoint "embedded" runs an etcd server in
	// the process with its data in EtcdDataDir (default: skiff/etcd in
	// the user's cache directory). /health reports etcd unreachable once
	// it has been for EtcdUnreachableAfter (30 s); the proxy serves on.
	// EtcdEmbeddedAddress is the embedded server's client address
	// (loopback only; default 127.0.0.1:2379).
	Etcd                 etcd.Options
	EtcdDataDir          string
	EtcdEmbeddedAddress  string
	EtcdUnreachableAfter time.Duration
	// NATS follows Cloud Foundry route registrations (docs/nats.md);
	// without Transport.Servers there is no NATS source. The server
	// "embedded" runs a NATS server in the process on NATSEmbeddedAddress
	// (loopback only; default 127.0.0.1:4222).
	NATS                nats.Options
	NATSEmbeddedAddress string
	// RoutesURLs are eskip documents over HTTP(S), fetched at start (a
	// failure stops it) and polled every SourcePollTimeout (3 s), which
	// also bounds each request (-routes-urls, -source-poll-timeout). An
	// entry that is not an http(s) URL is a routes file, as in skipper.
	RoutesURLs        []string
	SourcePollTimeout time.Duration
	// CustomDataClients are further route sources.
	CustomDataClients []dataclients.DataClient
	// WaitFirstRouteLoad delays opening the proxy listener until every data
	// client delivered its first route set.
	WaitFirstRouteLoad bool
	// IgnoreTrailingSlash makes /a and /a/ match the same routes.
	IgnoreTrailingSlash bool

	// Listener, when set, is used instead of listening on Address (tests
	// and socket activation); Run closes it.
	Listener net.Listener
	// EnableProxyProtocol reads a PROXY protocol (v1 or v2) header at the
	// start of proxy listener connections from peers in ProxyAllowCIDRs,
	// whose address is then the client's; a header from any other peer, or
	// one in ProxyDenyCIDRs, fails the connection, and peers in
	// ProxySkipCIDRs are served as they are (-enable-proxy-protocol,
	// -proxy-allow-cidrs, -proxy-deny-cidrs, -proxy-skip-cidrs).
	EnableProxyProtocol                             bool
	ProxyAllowCIDRs, ProxyDenyCIDRs, ProxySkipCIDRs []string
	// EnableTCPQueue bounds the proxy listener's connections served at
	// once to MaxTCPListenerConcurrency (default: the memory limit over
	// ExpectedBytesPerRequest); the others wait in a queue of
	// MaxTCPListenerQueue (default ten times that, at most 50 000), the
	// newest served first, and are closed when the queue overflows or
	// after the read header timeout (-enable-tcp-queue and skipper's
	// flags of the same names).
	EnableTCPQueue            bool
	MaxTCPListenerConcurrency int
	MaxTCPListenerQueue       int
	ExpectedBytesPerRequest   int

	// SupportListener serves /health, /routes and /debug/pprof
	// ("127.0.0.1:9911"); DisableSupportListener turns it off.
	SupportListener        string
	DisableSupportListener bool
	// SupportNetListener, when set, is used instead of listening on
	// SupportListener; Run closes it.
	SupportNetListener net.Listener
	// EnableProfile serves /debug/pprof on the support listener. Off by
	// default: profiles expose memory contents and cost CPU on demand.
	EnableProfile bool
	// GCHeapHeadroom is the least the heap may grow by between two garbage
	// collections (DefaultGCHeapHeadroom; negative: Go's rule alone). While
	// the live heap is smaller, the process' GC percentage is raised so
	// that a small configuration does not collect many times a second
	// under load, and until the first routes serve it is at least 400, as
	// loading keeps nearly all it allocates; it applies to the whole
	// process, and not at all when the GOGC environment variable is set.
	GCHeapHeadroom int64
	// MetricsMaxRoutes bounds the route ids with metric series of their
	// own (-metrics-max-routes, DefaultMetricsMaxRoutes): the routes
	// beyond share the series route="other"; negative: every route does.
	// DisableMetrics turns metrics off (-disable-metrics): no /metrics on
	// the support listener, and requests measure nothing.
	MetricsMaxRoutes int
	DisableMetrics   bool
	// TracerProvider traces requests with an embedding program's own
	// provider (W3C trace context and baggage propagated) instead of one
	// Run makes from the OTEL_* environment (docs/metrics.md, "Traces");
	// Run does not shut it down.
	TracerProvider trace.TracerProvider

	// AccessLogDisabled turns the access log off except for routes that
	// switch it on with enableAccessLog; AccessLogFormat chooses the
	// line format (combined, json or gorouter); AccessLogJSON is the older
	// switch for json, used when AccessLogFormat is combined;
	// AccessLogStripQuery drops the query from the logged URI.
	// AccessLogOutput defaults to stderr.
	AccessLogDisabled   bool
	AccessLogFormat     accesslog.Format
	AccessLogJSON       bool
	AccessLogStripQuery bool
	AccessLogOutput     io.Writer

	// Log is the application log. When nil Run logs to stderr, prefixed
	// [APP], at LogLevel (a logrus level name; "" is info).
	Log      logrus.FieldLogger
	LogLevel string

	// PreserveHost sends the client's Host header to the backend.
	PreserveHost bool
	// MaxLoopbacks bounds <loopback> re-matching (9; negative: none).
	MaxLoopbacks int
	// DefaultHTTPStatus answers requests no route matches (404).
	DefaultHTTPStatus int
	// ForwardedHeaders lists the X-Forwarded-* headers set on every
	// request before routing (-forwarded-headers): X-Forwarded-For (client
	// IP appended), X-Forwarded-Host, X-Forwarded-Method, X-Forwarded-Uri,
	// X-Forwarded-Port=<port|auto>, X-Forwarded-Proto=<http|https|auto>.
	// Clients in ForwardedHeadersExcludeCIDRs get none of them.
	ForwardedHeaders             []string
	ForwardedHeadersExcludeCIDRs []string
	// MaxContentLength > 0 answers 413 to requests whose Content-Length
	// is larger (-max-content-length); 0 means no limit.
	MaxContentLength int64
	// DisableValidateQuery lets requests with a query url.ParseQuery
	// rejects (bad %-escape, ';') through to routing instead of answering
	// them 400 "Invalid query" (-validate-query=false).
	DisableValidateQuery bool
	// NormalizeHost lower-cases the request Host and strips its port and
	// trailing dot before routing (-normalize-host).
	NormalizeHost bool
	// KeepHopHeaders forwards hop-by-hop headers as skipper does.
	KeepHopHeaders bool
	// Insecure skips TLS verification of https backends.
	Insecure bool
	// BackendCAFile is a PEM file of CA certificates https backends are
	// verified with, besides the system's (-backend-ca-file).
	BackendCAFile string
	// ClientTLSCert and ClientTLSKey are comma-separated PEM files of the
	// certificates, and their keys in the same order, presented to https
	// backends that ask for one (-client-tls-cert, -client-tls-key). With
	// EnableMTLS they are one pair, read again once it is older than
	// ClientTLSCertRefreshInterval (5 min), so that rotated files take
	// effect without a restart (-enable-mtls).
	ClientTLSCert, ClientTLSKey  string
	EnableMTLS                   bool
	ClientTLSCertRefreshInterval time.Duration
	// TLSMinVersion is the lowest TLS version of the proxy listener and of
	// https backends (-tls-min-version; 0: TLS 1.2). TLSClientAuth is the
	// listener's client certificate policy (-tls-client-auth).
	// TLSKeyLogWriter receives the TLS secrets of both sides in NSS key
	// log format, for debugging (-tls-key-log-file).
	TLSMinVersion   uint16
	TLSClientAuth   tls.ClientAuthType
	TLSKeyLogWriter io.Writer
	// MaxIdleConnsBackend bounds the idle backend connections of all
	// hosts together (-max-idle-connection-backend; 0: no bound).
	MaxIdleConnsBackend int

	// DefaultFiltersPrepend and DefaultFiltersAppend are eskip filter
	// chains added to the front and the back of every route.
	DefaultFiltersPrepend []string
	DefaultFiltersAppend  []string
	// CloneRoute and EditRoute are '/<regexp>/<replacement>/' rules (the
	// first character is the separator) applied to the canonical
	// Name(args) text of every custom predicate and filter, after the
	// default filters: CloneRoute adds a rewritten copy clone_<id> of each
	// route a rule changes, then EditRoute rewrites routes in place.
	CloneRoute []string
	EditRoute  []string
	// ForwardBackendURL is the network backend that replaces <forward>
	// (-forward-backend-url); such routes also lose their filters. Without
	// it <forward> routes are invalid.
	ForwardBackendURL string
	// DropInvalidRouteUpdates drops a route whose new version is invalid,
	// as skipper does (-keep-last-valid-routes=false); by default the
	// route keeps serving its last valid version and /routes lists the
	// rejected one as stale.
	DropInvalidRouteUpdates bool

	// TLSCert and TLSKey make the proxy listener serve TLS, with HTTP/2
	// negotiated by ALPN.
	TLSCert, TLSKey string
	// EnableH2C serves cleartext HTTP/2 on a plain listener.
	EnableH2C bool

	// Server side timeouts. WriteTimeoutServer is off by default so that
	// long downloads and streams are not cut; per-route writeTimeout
	// bounds them instead.
	ReadTimeoutServer       time.Duration
	ReadHeaderTimeoutServer time.Duration
	WriteTimeoutServer      time.Duration
	IdleTimeoutServer       time.Duration
	// ParkIdleAfter is how long a client keep-alive connection waits for
	// its next request with net/http's goroutine and buffers before it
	// gives them back and waits with a few KiB (1 s; negative: never).
	ParkIdleAfter time.Duration
	// NetHTTPServer serves every client connection with net/http's
	// server alone, without skiff's own HTTP/1.1 server in front of it
	// (package proxy/h1server): a way back, should that one misbehave.
	NetHTTPServer bool
	// MaxHeaderBytes bounds one request head (1 MiB); MaxRequestLineBytes
	// its request line (64 KiB, answered 414); MaxTotalHeaderBytes the
	// bytes of unfinished request heads held across all connections
	// (16 MiB), so that many slow clients cannot exhaust memory.
	MaxHeaderBytes      int
	MaxRequestLineBytes int
	MaxTotalHeaderBytes int64
	// ReadIdleTimeoutServer bounds the wait for the next bytes of a
	// request body (60 s, then 408); WriteIdleTimeoutServer the wait for a
	// client to accept response bytes (60 s, then the connection is
	// closed). Unlike the whole-request timeouts they never cut a
	// transfer that makes progress.
	ReadIdleTimeoutServer  time.Duration
	WriteIdleTimeoutServer time.Duration
	// RequestBodyBufferBytes: request bodies up to this size are read in
	// full before a backend connection is taken (64 KiB; negative: never).
	RequestBodyBufferBytes int64

	// Backend side timeouts and connection pool.
	TimeoutBackend               time.Duration // dial
	KeepaliveBackend             time.Duration
	TLSTimeoutBackend            time.Duration
	ResponseHeaderTimeoutBackend time.Duration
	ExpectContinueTimeoutBackend time.Duration
	// ReadIdleTimeoutBackend bounds the wait for the next bytes of a
	// response body (60 s); the client's connection is then closed.
	ReadIdleTimeoutBackend time.Duration
	IdleConnsPerHost       int
	CloseIdleConnsPeriod   time.Duration
	DisableHTTPKeepalives  bool
	UpgradeDialTimeout     time.Duration // dialing for WebSocket/Upgrade requests
	// BackendHTTP1Only keeps https backends on HTTP/1.1 instead of
	// offering HTTP/2 by ALPN.
	BackendHTTP1Only bool

	// WaitForHealthcheckInterval is the drain period: after shutdown
	// starts /health answers 503 (and Shutdown() matches) while the
	// listeners keep serving for this long (45 s).
	WaitForHealthcheckInterval time.Duration
	// ShutdownTimeout bounds the wait for requests in flight (30 s).
	ShutdownTimeout time.Duration

	// Health of load-balanced endpoints (docs/health.md). LBDeadTTL is
	// how long a dead mark from a failed connection lasts when active
	// checks are off (10 s; negative: until the endpoint answers a
	// request). LBHealthcheckInterval turns on active probes of every
	// endpoint (GET LBHealthcheckPath, "/" by default, within
	// LBHealthcheckTimeout, 3 s by default). PassiveHealthCheck is
	// "period=<d>,min-requests=<n>,max-drop-probability=<p>[,...]"; empty
	// means off.
	LBDeadTTL             time.Duration
	LBHealthcheckInterval time.Duration
	LBHealthcheckPath     string
	LBHealthcheckTimeout  time.Duration
	PassiveHealthCheck    string

	// EnableBreakers and EnableRatelimits register the circuit breaker and
	// rate limit filters' global machinery.
	EnableBreakers   bool
	EnableRatelimits bool
	// Breakers are skipper's -breaker settings: one without Host is the
	// default of every backend, the others apply to their host. Giving any
	// enables breakers and, unless all are disabled, appends hostBreaker()
	// to every route, so that they apply to routes without a breaker
	// filter, as in skipper.
	Breakers []breaker.Settings
	// Ratelimits are skipper's -ratelimits: the first limits every request
	// before routing (a client limit per client IP, a service limit all
	// requests together), answering 429 with X-Rate-Limit and Retry-After;
	// as in skipper, later ones are not used. Giving any enables the rate
	// limit filters.
	Ratelimits []Ratelimit
	// RefusePayload answers 400 "Invalid request" to requests whose
	// target (as sent or unescaped), header names or header values contain
	// one of these strings (-refuse-payload).
	RefusePayload []string

	// OAuth2TokeninfoURL is the tokeninfo endpoint of the oauthTokeninfo*
	// filters (-oauth2-tokeninfo-url; empty: routes using them are
	// invalid), with the bound of one request
	// (-oauth2-tokeninfo-timeout, default 2s) and a cache of answers of
	// OAuth2TokeninfoCacheSize entries (0: none) kept at most
	// OAuth2TokeninfoCacheTTL (0: until the token's expires_in).
	OAuth2TokeninfoURL       string
	OAuth2TokeninfoTimeout   time.Duration
	OAuth2TokeninfoCacheSize int
	OAuth2TokeninfoCacheTTL  time.Duration

	// MaxAuditBody is how many bytes of a request body auditLog logs
	// (-max-audit-body): 0 means 1024, negative none.
	MaxAuditBody int

	// CustomFilters are registered after the built-ins (a custom spec with
	// a built-in name replaces it); DisabledFilters are then removed and
	// RegisterFilters, when set, runs last.
	CustomFilters   []filters.Spec
	DisabledFilters []string
	RegisterFilters func(filters.Registry)
	// CustomPredicates are registered after the built-in predicates.
	CustomPredicates []routing.PredicateSpec
	// CustomRoutingPreProcessors run on route definitions after the
	// default filters were added; CustomRoutingPostProcessors run on the
	// instantiated routes after the load balancer set-up.
	CustomRoutingPreProcessors  []routing.PreProcessor
	CustomRoutingPostProcessors []routing.PostProcessor
}

// duration resolves a zero/negative duration option.
func duration(v, def time.Duration) time.Duration {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}
