package config

import (
	"flag"
	"fmt"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
	"github.com/skiff-proxy/skiff/dataclients/nats/status"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
	"github.com/skiff-proxy/skiff/pipeline"
)

// natsFlags defines the flags of the NATS route source (gorouter's
// configuration keys in parentheses in the usage). The returned function
// completes the options after parsing: TLS files and the sharding mode.
func natsFlags(fs *flag.FlagSet, o *nats.Options, embeddedAddr *string, dur func(*time.Duration, string, time.Duration, string)) func() error {
	t := &o.Transport
	fs.Var(listFlag{&t.Servers, true}, "nats-servers",
		`comma-separated NATS servers (host:port or nats://user:pass@host:port) to follow Cloud Foundry route registrations from; "embedded" runs a NATS server inside skiff`)
	fs.StringVar(embeddedAddr, "nats-embedded-address", pipeline.DefaultNATSEmbeddedAddress, `address of "-nats-servers embedded" (loopback only)`)
	fs.StringVar(&t.User, "nats-user", "", "NATS user (nats.user)")
	fs.StringVar(&t.Password, "nats-password", "", "NATS password (nats.pass)")
	var useTLS bool
	var caFile, certFile, keyFile string
	fs.BoolVar(&useTLS, "nats-tls", false, "connect to NATS over TLS (nats.tls_enabled)")
	fs.StringVar(&caFile, "nats-ca-file", "", "CA certificates to verify NATS with (nats.ca_certs, PEM)")
	fs.StringVar(&certFile, "nats-cert-file", "", "client certificate for NATS mTLS (nats.cert_chain, PEM)")
	fs.StringVar(&keyFile, "nats-key-file", "", "client key for NATS mTLS (nats.private_key, PEM)")
	fs.IntVar(&t.Index, "nats-index", 0, "router index, the prefix of the id announced in router.start (index)")
	fs.BoolVar(&t.StartWithoutNATS, "nats-start-without-nats", false,
		"start even when NATS cannot be reached, and keep trying (gorouter exits)")
	dur(&t.RegisterInterval, "nats-register-interval", transport.DefaultRegisterInterval,
		"interval announced to registrars (start_response_delay_interval)")
	dur(&t.PruneThreshold, "nats-stale-threshold", nats.DefaultStaleThreshold,
		"an endpoint not re-registered for this long is pruned (droplet_stale_threshold)")
	dur(&o.PruneInterval, "nats-prune-interval", nats.DefaultPruneInterval,
		"how often stale endpoints are pruned (prune_stale_droplets_interval)")
	fs.BoolVar(&o.KeepRoutesWhileDisconnected, "nats-keep-routes-while-disconnected", true,
		"prune nothing while NATS is unreachable (suspend_pruning_if_nats_unavailable)")
	var sharding string
	fs.StringVar(&sharding, "nats-sharding-mode", string(registration.ShardAll),
		"all, shared-and-segments or segments (routing_table_sharding_mode)")
	fs.Var(listFlag{&o.IsolationSegments, true}, "nats-isolation-segments", "comma-separated isolation segments this router serves (isolation_segments)")
	fs.StringVar(&o.Algorithm, "nats-balancing-algorithm", nats.RoundRobin,
		"round-robin or least-connection, for pools without options.loadbalancing (balancing_algorithm)")
	fs.IntVar(&o.MaxConns, "nats-max-conns", 500,
		"requests an endpoint takes at a time, counted until their response headers arrive; 0: no limit (backends.max_conns)")
	fs.IntVar(&o.MaxAttempts, "nats-max-attempts", nats.DefaultMaxAttempts,
		"endpoints a request tries when an attempt fails in a way worth another (backends.max_attempts)")
	fs.StringVar(&o.Zone, "nats-zone", "", "availability zone of this router (zone)")
	fs.StringVar(&o.AZPreference, "nats-az-preference", nats.AZNone,
		"none or locally-optimistic: first attempts prefer endpoints in -nats-zone (balancing_algorithm_az_preference)")
	fs.StringVar(&o.TraceKey, "nats-trace-key", "",
		"requests with this X-Vcap-Trace get X-Vcap-Router, X-Vcap-Backend and X-Cf-RouteEndpoint back (trace_key; empty: off)")
	fs.BoolVar(&o.Zipkin, "nats-zipkin", false, "add B3 trace headers to requests (enable_zipkin)")
	fs.BoolVar(&o.W3C, "nats-w3c", false, "add W3C traceparent and tracestate to requests (enable_w3c)")
	fs.StringVar(&o.W3CTenantID, "nats-w3c-tenant-id", "", "tenant of the tracestate entry (w3c_tenant_id)")
	fs.IntVar(&o.MaxRequestHeaderBytes, "nats-max-request-header-bytes", 0,
		"answer 431 to requests whose headers are larger (max_request_header_bytes; 0: the listener's -max-header-bytes)")
	fs.IntVar(&o.MaxRequestHeaders, "nats-max-request-headers", 0,
		"answer 431 to requests with more header lines (max_request_headers; 0: no limit)")
	fs.BoolVar(&o.EmptyPool503, "nats-empty-pool-503", false,
		"answer 503 for a route whose last endpoint left, for -nats-empty-pool-timeout (empty_pool_response_code_503)")
	dur(&o.EmptyPoolTimeout, "nats-empty-pool-timeout", 0, "how long an empty route is kept (empty_pool_timeout)")
	var damping bool
	fs.BoolVar(&damping, "nats-damping", true, "hold back the changes of endpoints that flap between registered and unregistered")
	fs.StringVar(&o.HealthCheckUserAgent, "nats-healthcheck-user-agent", nats.DefaultHealthCheckUserAgent,
		`requests with this User-Agent are answered with the router's health (healthcheck_user_agent); "-" switches it off`)
	fs.Var(listFlag{&o.StickySessionCookieNames, true}, "nats-sticky-cookie-names", "session cookies that make __VCAP_ID__ sticky (sticky_session_cookie_names; default JSESSIONID)")
	fs.BoolVar(&o.SecureCookies, "nats-secure-cookies", false, "mark __VCAP_ID__ Secure (secure_cookies)")
	var startDelay time.Duration
	fs.DurationVar(&startDelay, "nats-start-delay", 0,
		"keep the proxy closed this long after connecting, while registrars re-send their routes (start_response_delay_interval; default: -nats-register-interval, negative: none)")
	fs.StringVar(&o.Status.Address, "nats-status-address", status.DefaultAddr,
		`listener of gorouter's /health, /routes and /varz for the NATS routes; "-" switches it off`)
	fs.StringVar(&o.Status.User, "nats-status-user", "", "basic-auth user of /routes and /varz (status.user)")
	fs.StringVar(&o.Status.Password, "nats-status-password", "", "basic-auth password of /routes and /varz (status.pass)")
	fs.BoolVar(&o.Status.EnableVarz, "nats-status-varz", false, "serve /varz and /healthz too (status.enable_deprecated_varz_healthz_endpoints)")

	return func() error {
		o.NoDamping = !damping
		o.StartDelay = startDelay
		mode, err := registration.ParseShardingMode(sharding)
		if err != nil {
			return fmt.Errorf("-nats-sharding-mode: %w", err)
		}
		o.Sharding = mode
		if err := registration.ValidateSharding(mode, o.IsolationSegments); err != nil {
			return fmt.Errorf("-nats-isolation-segments: %w", err)
		}
		switch o.Algorithm {
		case nats.RoundRobin, nats.LeastConnection:
		default:
			return fmt.Errorf("-nats-balancing-algorithm: %q: want %s or %s", o.Algorithm, nats.RoundRobin, nats.LeastConnection)
		}
		switch o.AZPreference {
		case nats.AZNone, nats.AZLocallyOptimistic:
		default:
			return fmt.Errorf("-nats-az-preference: %q: want %s or %s", o.AZPreference, nats.AZNone, nats.AZLocallyOptimistic)
		}
		if o.MaxAttempts < 1 {
			return fmt.Errorf("-nats-max-attempts: %d must be at least 1", o.MaxAttempts)
		}
		if useTLS || caFile != "" || certFile != "" || keyFile != "" {
			if (certFile == "") != (keyFile == "") {
				return fmt.Errorf("-nats-cert-file and -nats-key-file: give both or neither")
			}
			cfg, err := transport.TLSFromFiles(caFile, certFile, keyFile)
			if err != nil {
				return fmt.Errorf("-nats-tls: %w", err)
			}
			t.TLS = cfg
		}
		return nil
	}
}
