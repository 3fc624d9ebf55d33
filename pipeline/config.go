package pipeline

import (
	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/auth"
	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/filters/logging"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/metrics"
	"github.com/skiff-proxy/skiff/routing"
)

// Config is everything that decides which routes there are and what they
// are built with. The zero value builds the built-in filters and
// predicates with no route source.
type Config struct {
	// RoutesFiles are eskip files, watched for changes; InlineRoutes is an
	// eskip document that never changes; DataClients are further sources.
	RoutesFiles  []string
	InlineRoutes string
	DataClients  []dataclients.DataClient

	// Filters are registered after the built-ins (a spec with a built-in
	// name replaces it); DisabledFilters are then removed and
	// RegisterFilters, when set, runs last.
	Filters         []filters.Spec
	DisabledFilters []string
	RegisterFilters func(filters.Registry)
	// Predicates are registered after the built-in predicates.
	Predicates []routing.PredicateSpec
	// EnableBreakers and EnableRatelimits give the circuit breaker and
	// rate limit filters their shared state; without EnableRatelimits the
	// rate limit filters are not registered.
	EnableBreakers   bool
	EnableRatelimits bool
	// Breakers are the default and host settings of the breakers
	// (-breaker), used when EnableBreakers is set.
	Breakers breaker.Options
	// Auth configures the shared state of the auth filters (key sets,
	// tokeninfo); its Log defaults to Log.
	Auth auth.Options
	// Logging configures the logging filters (auditLog's body limit).
	Logging logging.Options

	// DefaultFiltersPrepend and DefaultFiltersAppend are eskip filter
	// chains put before and after the filters of every route.
	DefaultFiltersPrepend []string
	DefaultFiltersAppend  []string
	// CloneRoute and EditRoute are '/<regexp>/<replacement>/' rules (the
	// first character is the separator) applied to the Name(args) text of
	// every custom predicate and filter: CloneRoute adds a rewritten copy
	// clone_<id>, EditRoute rewrites routes in place.
	CloneRoute []string
	EditRoute  []string
	// ForwardBackendURL replaces the <forward> backend; without it such
	// routes are invalid.
	ForwardBackendURL string
	// PreProcessors run after the default filters and the clone and edit
	// rules; PostProcessors after the load balancer set-up.
	PreProcessors  []routing.PreProcessor
	PostProcessors []routing.PostProcessor

	// Etcd configures the etcd route source; without Endpoints there is
	// none. The endpoint "embedded" starts an etcd server inside the
	// process, keeping its data in EtcdDataDir (default: skiff/etcd in
	// the user's cache directory).
	// EtcdEmbeddedAddress is the embedded server's client address
	// (loopback only; default 127.0.0.1:2379, etcd's own).
	Etcd                etcd.Options
	EtcdDataDir         string
	EtcdEmbeddedAddress string

	// NATS configures the gorouter-compatible NATS route source; without
	// Transport.Servers there is none. The server "embedded" starts a
	// NATS server inside the process on NATSEmbeddedAddress (loopback
	// only; default 127.0.0.1:4222, NATS' own).
	NATS                nats.Options
	NATSEmbeddedAddress string

	// Health configures the endpoint registry shared by every
	// load-balanced route: dead marks, passive and active checks.
	Health healthcheck.Config
	// PassiveHealthCheck is the -passive-health-check value; when set it
	// is parsed into Health.Passive.
	PassiveHealthCheck string

	// IgnoreTrailingSlash makes /a and /a/ match the same routes.
	IgnoreTrailingSlash bool
	// DropInvalidUpdates drops a route whose new version is invalid
	// instead of serving its last valid version (routing.BuildOptions).
	DropInvalidUpdates bool
	// ShutdownStarted is closed when graceful shutdown begins: the
	// Shutdown() predicate matches from then on. Nil: never.
	ShutdownStarted <-chan struct{}
	// Log receives the warnings of the route sources and processors.
	Log logrus.FieldLogger
	// Metrics, when set, has every route bound to its metric handle (its
	// post-processor runs last) and counts the circuit breakers.
	Metrics *metrics.Registry
}
