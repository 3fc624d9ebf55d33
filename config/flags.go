package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/pipeline"
	"github.com/skiff-proxy/skiff/settings"
)

// serveConfig is what the serve flags produce: library options plus the
// few things only the binary handles.
type serveConfig struct {
	opts          skiff.Options
	accessLogFile string // "" is stderr
	helpFlags     bool
	finish        func() // applies flags that map onto Options indirectly
	natsFinish    func() error
	// skipper's flags (skipperflags.go, skipperserve.go)
	skipper       skipperExtras
	skipperFinish func() error
	skipperUsed   []skipperOnly // skipper flags skiff warns about or refuses
	warnings      []string      // one line each, printed before serving
}

// listFlag collects a flag that may repeat; each use may itself be a
// comma-separated list when split is set.
type listFlag struct {
	values *[]string
	split  bool
}

func (l listFlag) String() string {
	if l.values == nil {
		return ""
	}
	return strings.Join(*l.values, ",")
}

func (l listFlag) Set(s string) error {
	if !l.split {
		*l.values = append(*l.values, s)
		return nil
	}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l.values = append(*l.values, v)
		}
	}
	return nil
}

// offDuration is a duration flag where 0 means "none", which skiff.Options
// spells as a negative value (its zero means "default").
type offDuration struct{ d *time.Duration }

func (o offDuration) String() string {
	if o.d == nil {
		return ""
	}
	if *o.d < 0 {
		return "0s"
	}
	return o.d.String()
}

func (o offDuration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration (examples: 500ms, 30s, 5m)")
	}
	if d < 0 {
		return errors.New("must not be negative")
	}
	if d == 0 {
		d = -1
	}
	*o.d = d
	return nil
}

// routeFlags defines the flags that change how routes are built, which
// serve, check and explain share so that they judge routes alike.
func routeFlags(fs *flag.FlagSet, o *skiff.Options) {
	fs.BoolVar(&o.IgnoreTrailingSlash, "ignore-trailing-slash", false, "match paths with and without a trailing slash alike")
	fs.Var(listFlag{&o.DefaultFiltersPrepend, false}, "default-filters-prepend",
		"eskip filter chain put before the filters of every route (may repeat)")
	fs.Var(listFlag{&o.DefaultFiltersAppend, false}, "default-filters-append",
		"eskip filter chain put after the filters of every route (may repeat)")
	fs.Var(listFlag{&o.CloneRoute, false}, "clone-route",
		"'/<regexp>/<replacement>/' (first character is the separator): add a copy clone_<id> of every route whose predicates or filters the rule changes (may repeat)")
	fs.Var(listFlag{&o.EditRoute, false}, "edit-route",
		"'/<regexp>/<replacement>/' (first character is the separator): rewrite the predicates and filters of every route (may repeat)")
	fs.StringVar(&o.ForwardBackendURL, "forward-backend-url", "",
		"http(s) URL that replaces the <forward> backend (such routes lose their filters); without it <forward> routes are invalid")
	fs.Var(listFlag{&o.DisabledFilters, true}, "disabled-filters", "comma-separated filter names to unregister")
	fs.BoolVar(&o.EnableRatelimits, "enable-ratelimits", false, "register the rate limit filters")
	fs.BoolVar(&o.EnableBreakers, "enable-breakers", false, "enable circuit breakers")
	fs.IntVar(&o.MaxAuditBody, "max-audit-body", 1024, "bytes of the request body auditLog logs (0: 1024, negative: none)")
	fs.StringVar(&o.OAuth2TokeninfoURL, "oauth2-tokeninfo-url", "", "tokeninfo endpoint of the oauthTokeninfo* filters (without it, routes using them are invalid)")
	fs.DurationVar(&o.OAuth2TokeninfoTimeout, "oauth2-tokeninfo-timeout", 2*time.Second, "bound on one tokeninfo request")
	fs.IntVar(&o.OAuth2TokeninfoCacheSize, "oauth2-tokeninfo-cache-size", 0, "tokeninfo answers kept; 0: no cache")
	fs.DurationVar(&o.OAuth2TokeninfoCacheTTL, "oauth2-tokeninfo-cache-ttl", 0, "longest time a tokeninfo answer is kept; 0: until the token's expires_in")

}

// etcdFlags defines the flags of an etcd connection, shared by the
// server and "skiff etcd". dur defines a duration flag.
func etcdFlags(fs *flag.FlagSet, o *etcd.Options, dur func(*time.Duration, string, time.Duration, string)) {
	fs.Var(listFlag{&o.Endpoints, true}, "etcd-urls",
		`comma-separated etcd endpoints (http:// or https://) to read routes from; "embedded" runs an etcd server inside skiff`)
	fs.StringVar(&o.Prefix, "etcd-prefix", etcd.DefaultPrefix, "etcd key prefix; routes are the keys <prefix>/routes/<id>")
	dur(&o.Timeout, "etcd-timeout", etcd.DefaultTimeout, "limit of one etcd request")
	dur(&o.DialTimeout, "etcd-dial-timeout", etcd.DefaultDialTimeout, "limit of connecting to etcd")
	fs.BoolVar(&o.Insecure, "etcd-insecure", false, "do not verify the TLS certificates of etcd")
	fs.StringVar(&o.Username, "etcd-username", "", "etcd user")
	fs.StringVar(&o.Password, "etcd-password", "", "etcd user's password")
	fs.StringVar(&o.CAFile, "etcd-ca-file", "", "CA certificates to verify etcd with (PEM)")
	fs.StringVar(&o.CertFile, "etcd-cert-file", "", "client certificate for etcd (PEM)")
	fs.StringVar(&o.KeyFile, "etcd-key-file", "", "client key for etcd (PEM)")
}

// newServeFlags defines every serve flag on a fresh FlagSet writing into c.
// Names and meanings follow skipper's flags.
func newServeFlags(c *serveConfig) *flag.FlagSet {
	o := &c.opts
	fs := flag.NewFlagSet("skiff", flag.ContinueOnError)
	fs.SetOutput(io.Discard)

	dur := func(p *time.Duration, name string, def time.Duration, usage string) {
		*p = def
		if def == 0 {
			*p = -1
		}
		fs.Var(offDuration{p}, name, usage+" (0: none)")
	}

	fs.BoolVar(&c.helpFlags, "help-flags", false, "list every flag and exit")

	// listeners
	fs.StringVar(&o.Address, "address", settings.DefaultAddress, "proxy listener address")
	fs.StringVar(&o.SupportListener, "support-listener", settings.DefaultSupportListener,
		"support listener address for /health, /routes and /debug/pprof; empty disables it")
	fs.StringVar(&o.SupportListener, "metrics-listener", settings.DefaultSupportListener, "legacy name of -support-listener")
	fs.BoolVar(&o.EnableProfile, "enable-profile", false, "serve /debug/pprof on the support listener")
	fs.BoolVar(&o.DisableMetrics, "disable-metrics", false, "serve no /metrics on the support listener; requests measure nothing")
	fs.Int64Var(&o.GCHeapHeadroom, "gc-heap-headroom", settings.DefaultGCHeapHeadroom,
		"bytes the heap may grow by at least between garbage collections, however small the live heap (negative: Go's rule alone; GOGC in the environment turns it off)")
	fs.IntVar(&o.MetricsMaxRoutes, "metrics-max-routes", settings.DefaultMetricsMaxRoutes,
		`route ids with metric series of their own; the others share route="other" (negative: none)`)
	fs.StringVar(&o.TLSCert, "tls-cert", "", "TLS certificate file of the proxy listener (enables HTTPS and HTTP/2)")
	fs.StringVar(&o.TLSKey, "tls-key", "", "TLS key file of the proxy listener")
	fs.BoolVar(&o.EnableH2C, "enable-h2c-server", false, "serve cleartext HTTP/2 (h2c) on a non-TLS proxy listener")

	// routes
	fs.Var(listFlag{&o.RoutesFiles, true}, "routes-file", "comma-separated eskip route files, watched for changes")
	fs.StringVar(&o.InlineRoutes, "inline-routes", "", "eskip routes given on the command line")
	fs.BoolVar(&o.WaitFirstRouteLoad, "wait-first-route-load", false,
		"open the proxy listener only after every route source delivered its routes")
	routeFlags(fs, o)
	etcdFlags(fs, &o.Etcd, dur)
	fs.StringVar(&o.EtcdEmbeddedAddress, "etcd-embedded-address", pipeline.DefaultEtcdEmbeddedAddress,
		`client address of "-etcd-urls embedded" (loopback only)`)
	fs.StringVar(&o.EtcdDataDir, "etcd-data-dir", "", `data directory of "-etcd-urls embedded" (default: skiff/etcd in the user's cache directory)`)
	dur(&o.EtcdUnreachableAfter, "etcd-unreachable-after", settings.DefaultEtcdUnreachableAfter,
		"/health reports etcd unreachable after this long without contact (the proxy serves on)")
	c.natsFinish = natsFlags(fs, &o.NATS, &o.NATSEmbeddedAddress, dur)

	// proxy behaviour
	fs.BoolVar(&o.PreserveHost, "proxy-preserve-host", false, "send the client's Host header to backends")
	fs.IntVar(&o.MaxLoopbacks, "max-loopbacks", settings.DefaultMaxLoopbacks, "how many times a request may be re-matched through <loopback> (0 or negative: never)")
	fs.IntVar(&o.DefaultHTTPStatus, "default-http-status", settings.DefaultHTTPStatus, "status of requests no route matches")
	fs.BoolVar(&o.KeepHopHeaders, "keep-hop-headers", false, "forward hop-by-hop headers instead of removing them")
	fs.Var(listFlag{&o.ForwardedHeaders, true}, "forwarded-headers",
		"comma-separated X-Forwarded-* headers to set: X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Method, "+
			"X-Forwarded-Uri, X-Forwarded-Port=<port|auto>, X-Forwarded-Proto=<http|https|auto>")
	fs.Var(listFlag{&o.ForwardedHeadersExcludeCIDRs, true}, "forwarded-headers-exclude-cidrs",
		"comma-separated CIDRs of clients that get no -forwarded-headers")
	fs.BoolVar(&o.NormalizeHost, "normalize-host", false, "lower-case the request Host and strip its port and trailing dot before routing")
	fs.Int64Var(&o.MaxContentLength, "max-content-length", 0, "answer 413 to requests with a larger Content-Length; 0: no limit")
	keepLastValid := true
	fs.BoolVar(&keepLastValid, "keep-last-valid-routes", true,
		"a route whose new version is invalid keeps serving its last valid version (false: it is dropped, as in skipper)")
	validateQuery := true
	fs.BoolVar(&validateQuery, "validate-query", true, "answer 400 to requests whose query cannot be parsed (bad %-escape, ';')")
	fs.BoolVar(&o.Insecure, "insecure", false, "do not verify the TLS certificates of https backends")
	fs.StringVar(&o.BackendCAFile, "backend-ca-file", "", "PEM file of CA certificates to verify https backends with, besides the system's")

	// logs
	fs.StringVar(&c.accessLogFile, "access-log", "", "access log file (default stderr)")
	fs.BoolVar(&o.AccessLogDisabled, "access-log-disabled", false, "disable the access log")
	fs.Var(&o.AccessLogFormat, "access-log-format", "access log `format`: combined, json or gorouter (Cloud Foundry gorouter lines)")
	fs.BoolVar(&o.AccessLogJSON, "access-log-json-enabled", false, "write the access log as JSON objects (same as -access-log-format=json)")
	fs.BoolVar(&o.AccessLogStripQuery, "access-log-strip-query", false, "leave the query out of logged URIs")
	fs.StringVar(&o.LogLevel, "application-log-level", "INFO", "application log level: PANIC, FATAL, ERROR, WARN, INFO, DEBUG or TRACE")

	// server timeouts
	dur(&o.ReadTimeoutServer, "read-timeout-server", settings.DefaultReadTimeoutServer, "limit for reading a whole client request")
	dur(&o.ReadHeaderTimeoutServer, "read-header-timeout-server", settings.DefaultReadHeaderTimeoutServer, "limit for reading client request headers")
	dur(&o.WriteTimeoutServer, "write-timeout-server", 0, "limit for writing a whole response; use the writeTimeout filter per route instead")
	dur(&o.IdleTimeoutServer, "idle-timeout-server", settings.DefaultIdleTimeoutServer, "idle time of client keep-alive connections")
	dur(&o.ParkIdleAfter, "park-idle-connections-after", settings.DefaultParkIdleAfter,
		"a client keep-alive connection idle this long hands its goroutine and buffers back until its next byte (negative: never)")
	fs.BoolVar(&o.NetHTTPServer, "nethttp-server", false,
		"serve client connections with net/http's server alone instead of skiff's own HTTP/1.1 server in front of it")
	fs.IntVar(&o.MaxHeaderBytes, "max-header-bytes", settings.DefaultMaxHeaderBytes, "maximum size of client request headers")
	fs.IntVar(&o.MaxRequestLineBytes, "max-request-line-bytes", settings.DefaultMaxRequestLineBytes, "maximum size of a client request line (longer: 414)")
	fs.Int64Var(&o.MaxTotalHeaderBytes, "max-total-header-bytes", settings.DefaultMaxTotalHeaderBytes,
		"bytes of unfinished request headers held across all client connections; beyond it new header bytes are refused")
	dur(&o.ReadIdleTimeoutServer, "read-idle-timeout-server", settings.DefaultReadIdleTimeoutServer,
		"wait for the next bytes of a request body (longer: 408)")
	dur(&o.WriteIdleTimeoutServer, "write-idle-timeout-server", settings.DefaultWriteIdleTimeoutServer,
		"wait for a client to take response bytes (longer: connection closed)")
	fs.Int64Var(&o.RequestBodyBufferBytes, "request-body-buffer-bytes", settings.DefaultRequestBodyBufferBytes,
		"request bodies up to this size are read before a backend connection is taken (0: never)")

	// backend timeouts and connections
	dur(&o.TimeoutBackend, "timeout-backend", settings.DefaultTimeoutBackend, "backend dial timeout")
	dur(&o.KeepaliveBackend, "keepalive-backend", settings.DefaultKeepaliveBackend, "TCP keepalive period of backend connections")
	dur(&o.TLSTimeoutBackend, "tls-timeout-backend", settings.DefaultTLSTimeoutBackend, "backend TLS handshake timeout")
	dur(&o.ResponseHeaderTimeoutBackend, "response-header-timeout-backend", settings.DefaultResponseHeaderTimeoutBackend, "wait for backend response headers")
	dur(&o.ExpectContinueTimeoutBackend, "expect-continue-timeout-backend", settings.DefaultExpectContinueTimeoutBackend,
		"wait for a backend's 100 Continue before sending a large body anyway")
	dur(&o.ReadIdleTimeoutBackend, "read-idle-timeout-backend", settings.DefaultReadIdleTimeoutBackend,
		"wait for the next bytes of a backend's response body (longer: the response is cut)")
	fs.IntVar(&o.IdleConnsPerHost, "idle-conns-num", settings.DefaultIdleConnsPerHost, "idle connections kept per backend host")
	dur(&o.CloseIdleConnsPeriod, "close-idle-conns-period", settings.DefaultCloseIdleConnsPeriod, "period of closing idle backend connections")
	fs.BoolVar(&o.DisableHTTPKeepalives, "disable-http-keepalives", false, "use a new backend connection for every request")
	o.UpgradeDialTimeout = settings.DefaultUpgradeDialTimeout
	fs.Var(skipperDuration{&o.UpgradeDialTimeout}, "upgrade-dial-timeout",
		"backend dial timeout of WebSocket/Upgrade requests (0: 30s, negative: none, as in skipper)")
	fs.BoolVar(&o.BackendHTTP1Only, "backend-http1-only", false, "talk HTTP/1.1 to https backends instead of offering HTTP/2")

	// load-balanced endpoints' health
	dur(&o.LBDeadTTL, "lb-dead-ttl", healthcheck.DefaultDeadTTL,
		"without active checks, how long an endpoint that refused a connection gets no requests")
	dur(&o.LBHealthcheckInterval, "lb-healthcheck-interval", 0, "probe every load-balanced endpoint this often (0: no active checks)")
	fs.StringVar(&o.LBHealthcheckPath, "lb-healthcheck-path", healthcheck.DefaultProbePath, "path the active checks GET")
	dur(&o.LBHealthcheckTimeout, "lb-healthcheck-timeout", healthcheck.DefaultProbeTimeout, "limit of one active check")
	fs.StringVar(&o.PassiveHealthCheck, "passive-health-check", "",
		"period=<d>,min-requests=<n>,max-drop-probability=<p>[,min-drop-probability=<p>][,max-unhealthy-endpoints-ratio=<r>]: send less traffic to endpoints whose requests fail")

	// shutdown
	dur(&o.WaitForHealthcheckInterval, "wait-for-healthcheck-interval", settings.DefaultWaitForHealthcheckInterval,
		"after SIGTERM/SIGINT, keep serving this long with /health at 503 before closing the listeners")
	dur(&o.ShutdownTimeout, "shutdown-timeout", settings.DefaultShutdownTimeout, "limit for requests in flight to finish after the listeners closed")

	c.skipperFinish = skipperFlags(fs, c, dur)
	defineSkipperOnly(fs, &c.skipperUsed)

	c.finish = func() {
		o.DisableValidateQuery = !validateQuery
		o.DropInvalidRouteUpdates = !keepLastValid
	}
	return fs
}

// parseServeFlags parses args into a config with the extensions added;
// errors say which flag and why.
func parseServeFlags(args []string, e Extensions) (*serveConfig, *flag.FlagSet, error) {
	c := &serveConfig{}
	fs := newServeFlags(c)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.helpFlags = true
			return c, fs, nil
		}
		return nil, fs, err
	}
	if path := c.skipper.configFile; path != "" && !c.helpFlags && !c.skipper.version {
		// As in skipper: the file's values first, then the command line
		// again, so that it wins (repeatable flags add to the file's).
		c = &serveConfig{}
		fs = newServeFlags(c)
		if err := applyConfigFile(fs, path); err != nil {
			return nil, fs, err
		}
		if err := fs.Parse(args); err != nil {
			return nil, fs, err
		}
	}
	c.finish()
	if c.helpFlags || c.skipper.version {
		return c, fs, nil
	}
	if fs.NArg() > 0 {
		return nil, fs, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	e.apply(&c.opts)
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := c.validate(set); err != nil {
		return nil, fs, err
	}
	return c, fs, nil
}

func (c *serveConfig) validate(set map[string]bool) error {
	o := &c.opts
	if (set["support-listener"] || set["metrics-listener"]) && o.SupportListener == "" {
		o.DisableSupportListener = true
	}
	if o.Address == "" {
		return errors.New("-address: must not be empty")
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return errors.New("-tls-cert and -tls-key: give both or neither")
	}
	if o.EnableH2C && o.TLSCert != "" {
		return errors.New("-enable-h2c-server: only for a non-TLS listener (TLS listeners negotiate HTTP/2 already)")
	}
	if o.DefaultHTTPStatus < 100 || o.DefaultHTTPStatus > 599 {
		return fmt.Errorf("-default-http-status: %d is not an HTTP status (100-599)", o.DefaultHTTPStatus)
	}
	if o.MaxLoopbacks <= 0 {
		o.MaxLoopbacks = -1 // Options spell "no loopbacks" as negative; skipper's -1 means the same
	}
	if o.MaxHeaderBytes <= 0 {
		return fmt.Errorf("-max-header-bytes: %d must be positive", o.MaxHeaderBytes)
	}
	if o.MaxRequestLineBytes <= 0 {
		return fmt.Errorf("-max-request-line-bytes: %d must be positive", o.MaxRequestLineBytes)
	}
	if o.MaxTotalHeaderBytes < int64(o.MaxHeaderBytes) {
		return fmt.Errorf("-max-total-header-bytes: %d must be at least -max-header-bytes (%d)", o.MaxTotalHeaderBytes, o.MaxHeaderBytes)
	}
	if o.RequestBodyBufferBytes < 0 {
		return fmt.Errorf("-request-body-buffer-bytes: %d must not be negative", o.RequestBodyBufferBytes)
	}
	if o.RequestBodyBufferBytes == 0 {
		o.RequestBodyBufferBytes = -1 // Options spell "never" as negative
	}
	if o.IdleConnsPerHost < 0 {
		return fmt.Errorf("-idle-conns-num: %d must not be negative", o.IdleConnsPerHost)
	}
	if _, err := logrus.ParseLevel(o.LogLevel); err != nil {
		return fmt.Errorf("-application-log-level: %q is not a level (PANIC, FATAL, ERROR, WARN, INFO, DEBUG, TRACE)", o.LogLevel)
	}
	if err := c.natsFinish(); err != nil {
		return err
	}
	if err := c.skipperFinish(); err != nil {
		return err
	}
	warnings, err := skipperOnlyResult(c.skipperUsed)
	if err != nil {
		return err
	}
	c.warnings = append(warnings, c.warnings...)
	if len(o.RoutesFiles) == 0 && o.InlineRoutes == "" && len(o.RoutesURLs) == 0 && len(o.Etcd.Endpoints) == 0 &&
		len(o.NATS.Transport.Servers) == 0 && len(o.CustomDataClients) == 0 {
		return errors.New("no routes: give -routes-file, -routes-urls, -inline-routes, -etcd-urls or -nats-servers")
	}
	return nil
}

// printFlags writes the flag list for -help-flags.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "skiff serve flags (skipper-compatible names):")
	// skipper's flags that skiff only warns about or refuses are left out.
	own := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if _, skipperOnly := f.Value.(*skipperOnlyValue); !skipperOnly {
			own.Var(f.Value, f.Name, f.Usage)
			own.Lookup(f.Name).DefValue = f.DefValue
		}
	})
	own.SetOutput(w)
	own.PrintDefaults()
	fmt.Fprintln(w, "\nskipper's other flags are accepted with a warning or refused with a message:\nsee docs/migrating-from-skipper.md")
}
