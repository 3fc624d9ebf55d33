package nats

import (
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients/nats/damping"
	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
)

// Defaults of the table's timers: gorouter's droplet_stale_threshold and
// prune_stale_droplets_interval.
const (
	DefaultStaleThreshold = 120 * time.Second
	DefaultPruneInterval  = 30 * time.Second
)

// Load-balancing algorithms of a pool, by their gorouter names.
const (
	RoundRobin      = "round-robin"
	LeastConnection = "least-connection"
)

// Options configure the client. The zero value of a field means its
// default.
type Options struct {
	// Transport is the NATS connection's configuration: servers,
	// credentials, TLS, the router index and the announced intervals.
	// Its PruneThreshold is the table's droplet_stale_threshold (0: 120s;
	// raised to RegisterInterval when smaller, as gorouter does).
	Transport transport.Config

	// PruneInterval is prune_stale_droplets_interval: how often endpoints
	// whose TTL ran out are removed (0: 30s).
	PruneInterval time.Duration
	// KeepRoutesWhileDisconnected is suspend_pruning_if_nats_unavailable:
	// while NATS is unreachable nothing is pruned, and after it is back
	// every endpoint gets a full TTL. The deployment default of gorouter
	// (and skiff's flag default) is true; gorouter's binary default is
	// false.
	KeepRoutesWhileDisconnected bool

	// Sharding and IsolationSegments are routing_table_sharding_mode and
	// isolation_segments (spec §4.6).
	Sharding          registration.ShardingMode
	IsolationSegments []string

	// Algorithm is balancing_algorithm, the default of new pools:
	// RoundRobin (default) or LeastConnection.
	Algorithm string

	// EmptyPool503 and EmptyPoolTimeout are empty_pool_response_code_503
	// and empty_pool_timeout: a pool whose last endpoint went stays, and
	// answers 503, until it has been empty for EmptyPoolTimeout.
	EmptyPool503     bool
	EmptyPoolTimeout time.Duration

	// NoDamping switches update-flap damping off; Damping tunes it (zero
	// fields: the damping package's defaults).
	NoDamping bool
	Damping   damping.Config

	// MaxConns is backends.max_conns: the requests an endpoint takes at a
	// time, counted until their response headers arrive; 0 means no
	// limit (gorouter's binary), Cloud Foundry deploys 500.
	MaxConns int

	// MaxAttempts is backends.max_attempts: how many endpoints a request
	// tries when an attempt fails in a way worth another (spec §8.1);
	// 0 means DefaultMaxAttempts.
	MaxAttempts int

	// Zone is the router's availability zone (zone) and AZPreference is
	// balancing_algorithm_az_preference: AZNone (default) or
	// AZLocallyOptimistic, where a request's first attempt prefers the
	// endpoints registered in Zone.
	Zone         string
	AZPreference string

	// TraceKey is trace_key: a request with X-Vcap-Trace equal to it gets
	// X-Vcap-Router, X-Vcap-Backend and X-Cf-RouteEndpoint on its
	// response. Empty (the default) switches it off: the headers show
	// addresses inside the platform to whoever knows the key.
	TraceKey string

	// Zipkin (enable_zipkin) and W3C (enable_w3c, with W3CTenantID as
	// w3c_tenant_id) add B3 and W3C trace-context headers to requests
	// (spec §9.1).
	Zipkin      bool
	W3C         bool
	W3CTenantID string

	// MaxRequestHeaderBytes and MaxRequestHeaders are
	// max_request_header_bytes and max_request_headers: a request whose
	// header block is larger, or has more header lines, is answered 431
	// (spec §9.3). 0 means no limit besides the listener's.
	MaxRequestHeaderBytes int
	MaxRequestHeaders     int

	// StickySessionCookieNames are sticky_session_cookie_names: a request
	// carrying one of them and __VCAP_ID__ goes to that instance when it
	// can (default JSESSIONID). SecureCookies is secure_cookies.
	StickySessionCookieNames []string
	SecureCookies            bool

	// Healthy is the router's health, for the User-Agent health check
	// (spec §12.2): starting, draining or stopping routers answer 503.
	// nil means healthy.
	Healthy func() bool

	// HealthCheckUserAgent is healthcheck_user_agent: a request with
	// exactly this User-Agent is answered with the router's health
	// (default "HTTP-Monitor/1.1"). "-" switches the check off.
	HealthCheckUserAgent string

	// StartDelay is how long the router waits after connecting before it
	// serves (start_response_delay_interval): registrars re-send their
	// routes on router.start, so the table is full when the proxy opens.
	// 0 means Transport.RegisterInterval, as gorouter ties the two;
	// negative means no wait.
	StartDelay time.Duration

	// IndexKey names a pool's route in the routing table's keyed index,
	// from its route key: what Lookup returns (package proxy/gorouter
	// sets it). nil means the route key itself.
	IndexKey func(routeKey string) string

	// Status configures gorouter's status listener.
	Status StatusOptions

	// Log receives the client's events (registrations at debug level,
	// rejected messages rate-limited at error level).
	Log logrus.FieldLogger
	// Now is the clock, for tests; nil is time.Now.
	Now func() time.Time
}

// DefaultHealthCheckUserAgent is gorouter's healthcheck_user_agent.
const DefaultHealthCheckUserAgent = "HTTP-Monitor/1.1"

// DefaultMaxAttempts is backends.max_attempts of Cloud Foundry's
// deployments.
const DefaultMaxAttempts = 3

// Values of Options.AZPreference.
const (
	AZNone              = "none"
	AZLocallyOptimistic = "locally-optimistic"
)

func (o Options) withDefaults() (Options, error) {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	switch o.AZPreference {
	case "":
		o.AZPreference = AZNone
	case AZNone, AZLocallyOptimistic:
	default:
		return o, fmt.Errorf("nats: AZ preference %q: want %s or %s", o.AZPreference, AZNone, AZLocallyOptimistic)
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = DefaultPruneInterval
	}
	if o.Transport.PruneThreshold <= 0 {
		o.Transport.PruneThreshold = DefaultStaleThreshold
	}
	if o.Transport.RegisterInterval <= 0 {
		o.Transport.RegisterInterval = transport.DefaultRegisterInterval
	}
	if o.StartDelay == 0 {
		o.StartDelay = o.Transport.RegisterInterval
	}
	if o.Transport.PruneThreshold < o.Transport.RegisterInterval {
		o.Transport.PruneThreshold = o.Transport.RegisterInterval
	}
	switch o.Algorithm {
	case "":
		o.Algorithm = RoundRobin
	case RoundRobin, LeastConnection:
	default:
		return o, fmt.Errorf("nats: balancing algorithm %q: want %s or %s", o.Algorithm, RoundRobin, LeastConnection)
	}
	if o.Sharding == "" {
		o.Sharding = registration.ShardAll
	}
	if err := registration.ValidateSharding(o.Sharding, o.IsolationSegments); err != nil {
		return o, fmt.Errorf("nats: %w", err)
	}
	if len(o.StickySessionCookieNames) == 0 {
		o.StickySessionCookieNames = []string{"JSESSIONID"}
	}
	if o.Healthy == nil {
		o.Healthy = func() bool { return true }
	}
	if o.HealthCheckUserAgent == "" {
		o.HealthCheckUserAgent = DefaultHealthCheckUserAgent
	}
	if o.Log == nil {
		o.Log = logrus.StandardLogger()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.IndexKey == nil {
		o.IndexKey = func(k string) string { return k }
	}
	return o, nil
}
