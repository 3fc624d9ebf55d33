package config

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/settings"
)

// A skipper flag that skiff does not define as a flag of its own is either
// accepted with a one-line warning (what skiff does instead) or refused
// with a message that names it. The lists below cover every such flag of
// skipper v0.27 (config/testdata/skipper-v0.27-flags.txt, checked by
// TestSkipperFlags); docs/migrating-from-skipper.md lists them.

// skipperGroup is what skiff does with a skipper-only flag.
type skipperGroup int

const (
	warned  skipperGroup = iota + 1 // accepted, ignored, one warning line
	refused                         // the start fails with a message
)

// skipperOnly is a skipper flag skiff does not implement.
type skipperOnly struct {
	name  string
	bool  bool // a boolean flag in skipper: it takes no value
	group skipperGroup
	why   string // the warning, or why it is refused
}

// Reasons shared by families of flags.
const (
	whyMetrics  = "skiff's /metrics serves a fixed set of Prometheus series (docs/metrics.md); ignored"
	whyTracing  = "skiff traces with OpenTelemetry as the OTEL_* environment variables say (docs/metrics.md); ignored"
	whyKube     = "skiff has no Kubernetes data client (Ingress, RouteGroup, endpoints); generate eskip routes and feed them from files, -routes-urls or etcd"
	whyOPA      = "skiff has no Open Policy Agent filters"
	whySwarm    = "skiff instances form no swarm, so there are no cluster rate limits (clientRatelimit, ratelimit and -ratelimits limit per instance)"
	whyGrant    = "skiff has no OAuth2 authorization-code grant flow (oauthGrant, grantCallback, grantLogout)"
	whyOIDC     = "skiff has no OpenID Connect filters"
	whyLua      = "skiff has no lua() filter"
	whyPlugins  = "skiff loads no Go plugins; build a custom binary with config.Main and config.Extensions instead"
	whyAPIUsage = "skiff has no apiUsageMonitoring filter"
	whyWebhook  = "skiff has no validation webhook for Kubernetes resources"
	whyBearer   = "skiff has no bearerinjector filter and no secrets registry"
)

func skipperOnlyFlags() []skipperOnly {
	w := func(name string, isBool bool, why string) skipperOnly { return skipperOnly{name, isBool, warned, why} }
	r := func(name string, isBool bool, why string) skipperOnly { return skipperOnly{name, isBool, refused, why} }
	const B, V = true, false
	l := []skipperOnly{
		// listeners and the server
		r("insecure-address", V, "skiff serves one proxy listener; run a second instance without -tls-cert for plain HTTP"),
		r("debug-listener", V, "skiff has no debug listener; explain shows what routes do with a request (skiff explain)"),
		r("status-checks", V, "skiff does not probe URLs before reporting healthy; use -wait-first-route-load"),
		r("keepalive-server", V, "skiff does not cap the age of client connections (-idle-timeout-server bounds idle ones)"),
		r("keepalive-requests-server", V, "skiff does not cap the requests per client connection"),
		w("enable-copy-stream-pool", B, "skiff always copies bodies with pooled buffers; ignored"),
		w("dev-mode", B, "route changes take effect within milliseconds anyway; ignored"),
		w("exclude-insecure-cipher-suites", B, "Go's default cipher suites, which skiff uses, leave the insecure ones out already; ignored"),
		w("enable-dualstack-backend", B, "skiff dials IPv4 and IPv6 backends as Go does, racing both (RFC 6555); ignored"),
		w("backend-flush-interval", V, "skiff sends response bytes on as they arrive; ignored"),
		w("experimental-upgrade", B, "skiff proxies WebSocket and other upgrades always; ignored"),
		r("experimental-upgrade-audit", B, "skiff does not log the messages of upgraded connections"),

		// routing and requests
		w("remove-hop-headers", B, "skiff removes hop-by-hop headers by default (-keep-hop-headers keeps them); ignored"),
		r("rfc-patch-path", B, "skiff matches routes against the decoded path (a %2F is a /); the path sent to backends keeps the client's escaping either way"),
		w("reverse-source-predicate", B, "skipper applies it only to routes generated from Kubernetes; write SourceFromLast in routes instead; ignored"),
		w("max-matcher-buffer-size", V, "blockContent matches across reads with memory bounded by its patterns; ignored"),
		w("validate-query-log", B, "skiff does not log the requests it answers 400 for an unparsable query; ignored"),
		w("suppress-route-update-logs", B, "skiff logs no line per route update; ignored"),
		w("ensure-dataclients", V, "-wait-first-route-load waits for every route source; ignored"),
		w("route-server-filters", V, "only skipper's routesrv uses it; ignored"),
		r("default-filters-dir", V, "skiff has no per-namespace default filters (a Kubernetes feature); use -default-filters-prepend/-append"),
		w("compress-encodings", V, "the compress filter offers gzip and deflate, in the order of the client's Accept-Encoding; ignored"),
		r("etcd-oauth-token", V, "skiff talks to etcd v3 with -etcd-username/-etcd-password or client certificates"),
		r("plugindir", V, whyPlugins),
		r("filter-plugin", V, whyPlugins),
		r("predicate-plugin", V, whyPlugins),
		r("dataclient-plugin", V, whyPlugins),
		r("multi-plugin", V, whyPlugins),

		// TLS
		r("mtls-authn-ca", V, "skiff has no mtlsAuthn filter"),
		r("mtls-authn-append-ca", B, "skiff has no mtlsAuthn filter"),

		// auth filters' global settings
		r("oauth2-tokenintrospect-timeout", V, "skiff has no oauthTokenintrospection filters"),
		r("webhook-timeout", V, "skiff has no webhook filter"),
		r("credentials-paths", V, whyBearer),
		r("credentials-update-interval", V, whyBearer),
		r("enable-api-usage-monitoring", B, whyAPIUsage),
		r("api-usage-monitoring-realm-keys", V, whyAPIUsage),
		r("api-usage-monitoring-client-keys", V, whyAPIUsage),
		r("api-usage-monitoring-default-client-tracking-pattern", V, whyAPIUsage),
		r("api-usage-monitoring-realms-tracking-pattern", V, whyAPIUsage),
		r("enable-lua", B, whyLua),
		r("lua-modules", V, whyLua),
		r("lua-sources", V, whyLua),
		r("cluster-ratelimit-max-group-shards", V, whySwarm),
	}
	for _, n := range []string{"enable-oauth2-grant-flow", "oauth2-grant-insecure"} {
		l = append(l, r(n, B, whyGrant))
	}
	for _, n := range []string{"oauth2-auth-url", "oauth2-token-url", "oauth2-revoke-token-url", "oauth2-secret-file",
		"oauth2-client-id", "oauth2-client-secret", "oauth2-client-id-file", "oauth2-client-secret-file", "oauth2-callback-path",
		"oauth2-auth-url-parameters", "oauth2-access-token-header-name", "oauth2-tokeninfo-subject-key", "oauth2-grant-tokeninfo-keys",
		"oauth2-token-cookie-name", "oauth2-token-cookie-remove-subdomains"} {
		l = append(l, r(n, V, whyGrant))
	}
	for _, n := range []string{"oidc-secrets-file", "oidc-cookie-validity", "oidc-distributed-claims-timeout", "oidc-cookie-remove-subdomains"} {
		l = append(l, r(n, V, whyOIDC))
	}
	for _, n := range []string{"enable-open-policy-agent", "enable-open-policy-agent-custom-control-loop", "enable-open-policy-agent-preloading",
		"enable-open-policy-agent-async-decision-logging", "enable-open-policy-agent-data-preprocessing-optimization",
		"enable-open-policy-agent-print-tracing"} {
		l = append(l, r(n, B, whyOPA))
	}
	for _, n := range []string{"open-policy-agent-control-loop-interval", "open-policy-agent-control-loop-max-jitter",
		"open-policy-agent-config-template", "open-policy-agent-envoy-metadata", "open-policy-agent-cleaner-interval",
		"open-policy-agent-startup-timeout", "open-policy-agent-max-request-body-size", "open-policy-agent-request-body-buffer-size",
		"open-policy-agent-max-memory-body-parsing"} {
		l = append(l, r(n, V, whyOPA))
	}
	for _, n := range []string{"validation-webhook-enabled", "enable-advanced-validation"} {
		l = append(l, r(n, B, whyWebhook))
	}
	for _, n := range []string{"validation-webhook-address", "validation-webhook-cert-file", "validation-webhook-key-file"} {
		l = append(l, r(n, V, whyWebhook))
	}
	for _, n := range []string{"kubernetes", "kubernetes-in-cluster", "kubernetes-healthcheck", "kubernetes-https-redirect",
		"kubernetes-disable-catchall-routes", "enable-kubernetes-endpointslices", "enable-kubernetes-east-west",
		"enable-kubernetes-external-names", "kubernetes-external-name-preserve-host", "kubernetes-only-allowed-external-names",
		"kubernetes-force-service", "kubernetes-enable-tls"} {
		l = append(l, r(n, B, whyKube))
	}
	for _, n := range []string{"kubernetes-url", "kubernetes-token-file", "kubernetes-https-redirect-code", "kubernetes-ingress-class",
		"kubernetes-routegroup-class", "whitelisted-healthcheck-cidr", "kubernetes-path-mode", "kubernetes-namespace",
		"kubernetes-topology-zone", "kubernetes-east-west-domain", "kubernetes-east-west-range-domains",
		"kubernetes-east-west-range-predicates", "kubernetes-annotation-predicates", "kubernetes-annotation-filters-append",
		"kubernetes-application-annotation-label", "kubernetes-east-west-range-annotation-predicates",
		"kubernetes-east-west-range-annotation-filters-append", "kubernetes-allowed-external-name",
		"kubernetes-redis-service-namespace", "kubernetes-redis-service-name", "kubernetes-redis-service-port",
		"kubernetes-valkey-service-namespace", "kubernetes-valkey-service-name", "kubernetes-valkey-service-port",
		"kubernetes-backend-traffic-algorithm", "kubernetes-default-lb-algorithm", "kubernetes-status-from-service"} {
		l = append(l, r(n, V, whyKube))
	}
	l = append(l, r("enable-swarm", B, whySwarm))
	for _, n := range []string{"swarm-redis-urls", "swarm-redis-hash-algorithm", "swarm-redis-dial-timeout", "swarm-redis-read-timeout",
		"swarm-redis-write-timeout", "swarm-redis-pool-timeout", "swarm-redis-min-conns", "swarm-redis-max-conns", "swarm-redis-remote",
		"swarm-redis-update-interval", "swarm-redis-heartbeat-frequency", "swarm-valkey-urls", "swarm-valkey-remote",
		"swarm-valkey-conn-lifetime", "swarm-valkey-conn-timeout", "swarm-valkey-dial-timeout", "swarm-valkey-keepalive",
		"swarm-valkey-update-interval", "swarm-namespace", "swarm-label-selector-key", "swarm-label-selector-value", "swarm-port",
		"swarm-max-msg-buffer", "swarm-leave-timeout", "swarm-static-self", "swarm-static-other"} {
		l = append(l, r(n, V, whySwarm))
	}
	// observability: metrics and tracing only change what is reported
	for _, n := range []string{"enable-route-fifo-metrics", "enable-route-lifo-metrics", "disable-metrics-compression",
		"enable-prometheus-native-histograms", "enable-prometheus-metrics", "enable-prometheus-start-label", "debug-gc-metrics",
		"runtime-metrics", "serve-route-metrics", "serve-route-counter", "serve-host-metrics", "serve-host-counter",
		"serve-method-metric", "serve-status-code-metric", "backend-host-metrics", "backend-zone-metrics", "proxy-request-metrics",
		"proxy-response-metrics", "all-filters-metrics", "combined-response-metrics", "route-response-metrics",
		"route-backend-error-counters", "route-stream-error-counters", "route-backend-metrics", "route-creation-metrics",
		"metrics-exp-decay-sample", "disable-metrics-compat", "enable-connection-metrics"} {
		l = append(l, w(n, B, whyMetrics))
	}
	for _, n := range []string{"metrics-flavour", "prometheus-native-histogram-bucket-factor", "metrics-prefix",
		"histogram-metric-buckets", "response-size-buckets", "request-size-buckets"} {
		l = append(l, w(n, V, whyMetrics))
	}
	for _, n := range []string{"opentracing-disable-filter-spans", "opentracing-log-filter-lifecycle-events",
		"opentracing-log-stream-events", "opentracing-client-trace-by-tag", "opentracing-backend-name-tag"} {
		l = append(l, w(n, B, whyTracing))
	}
	for _, n := range []string{"opentracing", "opentracing-initial-span", "opentracing-excluded-proxy-tags", "open-telemetry"} {
		l = append(l, w(n, V, whyTracing))
	}
	return l
}

// skipperOnlyValue records that a skipper-only flag was given.
type skipperOnlyValue struct {
	f    skipperOnly
	used *[]skipperOnly
	val  string
}

func (v *skipperOnlyValue) String() string { return v.val }

func (v *skipperOnlyValue) Set(s string) error {
	if v.f.bool {
		if _, err := strconv.ParseBool(s); err != nil {
			return errors.New("parse error")
		}
	}
	v.val = s
	if !slices.ContainsFunc(*v.used, func(u skipperOnly) bool { return u.name == v.f.name }) {
		*v.used = append(*v.used, v.f)
	}
	return nil
}

func (v *skipperOnlyValue) IsBoolFlag() bool { return v.f.bool }

// defineSkipperOnly defines the skipper-only flags on fs; used collects
// those given, in order.
func defineSkipperOnly(fs *flag.FlagSet, used *[]skipperOnly) {
	for _, f := range skipperOnlyFlags() {
		usage := "skipper's; not supported: " + f.why
		if f.group == warned {
			usage = "skipper's; " + f.why
		}
		fs.Var(&skipperOnlyValue{f: f, used: used}, f.name, usage)
	}
}

// skipperOnlyResult turns the skipper-only flags given into warnings and,
// for the first refused one, an error.
func skipperOnlyResult(used []skipperOnly) (warnings []string, err error) {
	for _, f := range used {
		switch f.group {
		case refused:
			if err == nil {
				err = fmt.Errorf("-%s: not supported by skiff: %s", f.name, f.why)
			}
		case warned:
			warnings = append(warnings, fmt.Sprintf("-%s: %s", f.name, f.why))
		}
	}
	return warnings, err
}

// breakerFlag parses skipper's -breaker settings, e.g.
// "type=rate,host=api.example.org,failures=30,window=300,timeout=30s".
type breakerFlag struct{ s *[]breaker.Settings }

func (b breakerFlag) String() string {
	if b.s == nil {
		return ""
	}
	var l []string
	for _, s := range *b.s {
		l = append(l, fmt.Sprintf("type=%s,host=%s,failures=%d", s.Type, s.Host, s.Failures))
	}
	return strings.Join(l, "; ")
}

func (b breakerFlag) Set(v string) error {
	s := breaker.Settings{Type: breaker.Consecutive}
	err := keyValues(v, "type, host, failures, window, timeout, half-open-requests, idle-ttl", func(k, val string) (err error) {
		switch k {
		case "type":
			switch val {
			case "consecutive":
				s.Type = breaker.Consecutive
			case "rate":
				s.Type = breaker.Rate
			case "disabled":
				s.Type = breaker.Disabled
			default:
				return fmt.Errorf("type %q: want consecutive, rate or disabled", val)
			}
		case "host":
			s.Host = val
		case "failures":
			s.Failures, err = positiveInt(k, val)
		case "window":
			s.Window, err = positiveInt(k, val)
		case "half-open-requests":
			s.HalfOpenRequests, err = positiveInt(k, val)
		case "timeout":
			s.Timeout, err = durationOrMillis(k, val)
		case "idle-ttl":
			s.IdleTTL, err = durationOrMillis(k, val)
		default:
			return errUnknownKey
		}
		return err
	})
	if err != nil {
		return err
	}
	if s.Host == "" && s.Type != breaker.Disabled && s.Failures == 0 {
		return errors.New("a breaker without host needs failures")
	}
	if s.Type == breaker.Rate && s.Failures > 0 && s.Window > 0 && s.Window < s.Failures {
		return fmt.Errorf("window %d must not be smaller than failures %d", s.Window, s.Failures)
	}
	if s.Type == breaker.Rate && s.Host == "" && s.Window == 0 {
		return errors.New("a rate breaker without host needs window")
	}
	*b.s = append(*b.s, s)
	return nil
}

// errUnknownKey is what a keyValues callback returns for a key it does
// not know.
var errUnknownKey = errors.New("unknown key")

// keyValues calls set with each key and value of v, a comma-separated
// list of key=value settings as skipper's -breaker and -ratelimits take;
// keys lists the valid keys for the error messages.
func keyValues(v, keys string, set func(k, val string) error) error {
	for _, kv := range strings.Split(v, ",") {
		kv = strings.TrimSpace(kv)
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("%q is not key=value (keys: %s)", kv, keys)
		}
		if err := set(k, val); errors.Is(err, errUnknownKey) {
			return fmt.Errorf("unknown key %q (keys: %s)", k, keys)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func positiveInt(k, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s %q: want a positive integer", k, v)
	}
	return n, nil
}

// durationOrMillis reads a Go duration or a number of milliseconds, as
// skipper documents for its breaker durations.
func durationOrMillis(k, v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s %q: want a positive duration (30s) or milliseconds", k, v)
	}
	return d, nil
}

// ratelimitFlag parses skipper's -ratelimits settings, e.g.
// "type=client,max-hits=20,time-window=60s".
type ratelimitFlag struct {
	s        *[]settings.Ratelimit
	warnings *[]string
}

func (r ratelimitFlag) String() string {
	if r.s == nil {
		return ""
	}
	var l []string
	for _, s := range *r.s {
		l = append(l, fmt.Sprintf("type=%s,max-hits=%d,time-window=%s", s.Type, s.MaxHits, s.TimeWindow))
	}
	return strings.Join(l, "; ")
}

func (r ratelimitFlag) Set(v string) error {
	s := settings.Ratelimit{Type: settings.DisableRatelimit}
	err := keyValues(v, "type, max-hits, time-window, group", func(k, val string) (err error) {
		switch k {
		case "type":
			switch val {
			case "local", "client":
				s.Type = settings.ClientRatelimit
			case "service":
				s.Type = settings.ServiceRatelimit
			case "disabled":
				s.Type = settings.DisableRatelimit
			case "clusterClient", "clusterService":
				return fmt.Errorf("type %s is not supported by skiff: %s", val, whySwarm)
			default:
				return fmt.Errorf("type %q: want client, service or disabled", val)
			}
		case "max-hits":
			s.MaxHits, err = positiveInt(k, val)
		case "time-window":
			s.TimeWindow, err = time.ParseDuration(val)
			if err != nil || s.TimeWindow <= 0 {
				err = fmt.Errorf("time-window %q: want a positive duration (60s)", val)
			}
		case "group":
			s.Group = val
		default:
			return errUnknownKey
		}
		return err
	})
	if err != nil {
		return err
	}
	if s.Type != settings.DisableRatelimit && (s.MaxHits == 0 || s.TimeWindow == 0) {
		return fmt.Errorf("type %s needs max-hits and time-window", s.Type)
	}
	if len(*r.s) == 1 {
		*r.warnings = append(*r.warnings, "-ratelimits: only the first setting limits requests, as in skipper; the others are ignored")
	}
	*r.s = append(*r.s, s)
	return nil
}
