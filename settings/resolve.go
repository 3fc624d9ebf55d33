package settings

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/auth"
	"github.com/skiff-proxy/skiff/filters/logging"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/internal/applog"
	"github.com/skiff-proxy/skiff/metrics"
	"github.com/skiff-proxy/skiff/pipeline"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/proxy/inbound"
	"github.com/skiff-proxy/skiff/routing"
)

// Resolved is Options with its defaults applied, checked, and split into
// what each part of skiff is configured with.
type Resolved struct {
	Options
	Log     logrus.FieldLogger
	Inbound inbound.Config // the proxy listener's, with the certificate loaded
	// BackendTLS is the TLS configuration for https backends (proxy and
	// active probes): nil means Go's defaults.
	BackendTLS *tls.Config
	// ServerTLS is the proxy listener's TLS configuration with every
	// certificate loaded (Inbound.Cert is the first): nil without TLS.
	ServerTLS *tls.Config
	// Metrics is the metrics registry, nil with DisableMetrics: Pipeline
	// binds the routes to it and Proxy reports to it.
	Metrics *metrics.Registry
	// Tracer and Propagator trace requests when Tracer is set; Run sets
	// them from TracerProvider or the OTEL_* environment.
	Tracer     trace.Tracer
	Propagator propagation.TextMapPropagator
}

// Resolve applies defaults and checks everything that can be checked
// before anything starts, so that a typo fails fast with its position.
func Resolve(o Options) (*Resolved, error) {
	c := &Resolved{Options: o}
	if c.Address == "" {
		c.Address = DefaultAddress
	}
	if c.SupportListener == "" {
		c.SupportListener = DefaultSupportListener
	}
	if c.AccessLogOutput == nil {
		c.AccessLogOutput = os.Stderr
	}
	switch {
	case c.MaxLoopbacks == 0:
		c.MaxLoopbacks = DefaultMaxLoopbacks
	case c.MaxLoopbacks < 0:
		c.MaxLoopbacks = -1 // the proxy spells "none" the same way
	}
	if c.DefaultHTTPStatus == 0 {
		c.DefaultHTTPStatus = DefaultHTTPStatus
	}
	if c.DefaultHTTPStatus < 100 || c.DefaultHTTPStatus > 599 {
		return nil, &ConfigError{"DefaultHTTPStatus", fmt.Errorf("%d is not an HTTP status", c.DefaultHTTPStatus)}
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.IdleConnsPerHost == 0 {
		c.IdleConnsPerHost = DefaultIdleConnsPerHost
	}
	if c.MaxRequestLineBytes <= 0 {
		c.MaxRequestLineBytes = DefaultMaxRequestLineBytes
	}
	if c.MaxTotalHeaderBytes <= 0 {
		c.MaxTotalHeaderBytes = DefaultMaxTotalHeaderBytes
	}
	if c.RequestBodyBufferBytes == 0 {
		c.RequestBodyBufferBytes = DefaultRequestBodyBufferBytes
	}
	c.ReadTimeoutServer = duration(c.ReadTimeoutServer, DefaultReadTimeoutServer)
	c.ReadHeaderTimeoutServer = duration(c.ReadHeaderTimeoutServer, DefaultReadHeaderTimeoutServer)
	c.WriteTimeoutServer = duration(c.WriteTimeoutServer, 0)
	c.IdleTimeoutServer = duration(c.IdleTimeoutServer, DefaultIdleTimeoutServer)
	c.WaitForHealthcheckInterval = duration(c.WaitForHealthcheckInterval, DefaultWaitForHealthcheckInterval)
	c.ShutdownTimeout = duration(c.ShutdownTimeout, DefaultShutdownTimeout)
	c.EtcdUnreachableAfter = duration(c.EtcdUnreachableAfter, DefaultEtcdUnreachableAfter)
	// Backend durations and the idle ones keep the Options convention (0
	// default, negative none), which is the proxy's too.

	fwd, err := inbound.ParseForwarded(c.ForwardedHeaders, c.ForwardedHeadersExcludeCIDRs)
	if err != nil {
		return nil, &ConfigError{"forwarded-headers", err}
	}

	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, &ConfigError{"TLSCert/TLSKey", errors.New("give both or neither")}
	}
	if c.TLSMinVersion != 0 && (c.TLSMinVersion < tls.VersionTLS10 || c.TLSMinVersion > tls.VersionTLS13) {
		return nil, &ConfigError{"TLSMinVersion", fmt.Errorf("0x%04x is not a TLS version", c.TLSMinVersion)}
	}
	if c.ServerTLS, err = serverTLS(&c.Options); err != nil {
		return nil, &ConfigError{"TLSCert/TLSKey", err}
	}
	if c.ServerTLS != nil {
		c.Inbound.Cert = &c.ServerTLS.Certificates[0]
	}
	if err := c.checkSkipperOptions(); err != nil {
		return nil, err
	}

	if c.Log = o.Log; c.Log == nil {
		if c.Log, err = applog.New(os.Stderr, c.LogLevel); err != nil {
			return nil, &ConfigError{"LogLevel", err}
		}
	}

	if c.BackendTLS, err = backendTLS(&c.Options, c.Log); err != nil {
		return nil, err
	}

	in := &c.Inbound
	in.ReadTimeout, in.ReadHeaderTimeout = c.ReadTimeoutServer, c.ReadHeaderTimeoutServer
	in.WriteTimeout, in.IdleTimeout = c.WriteTimeoutServer, c.IdleTimeoutServer
	c.ParkIdleAfter = duration(c.ParkIdleAfter, DefaultParkIdleAfter)
	switch {
	case c.GCHeapHeadroom == 0:
		c.GCHeapHeadroom = DefaultGCHeapHeadroom
	case c.GCHeapHeadroom < 0:
		c.GCHeapHeadroom = 0
	}
	in.ParkIdleAfter = c.ParkIdleAfter
	if in.ParkIdleAfter == 0 {
		in.ParkIdleAfter = -1 // the guard's "never"
	}
	in.MaxHeaderBytes, in.MaxRequestLineBytes, in.MaxTotalHeaderBytes = c.MaxHeaderBytes, c.MaxRequestLineBytes, c.MaxTotalHeaderBytes
	in.EnableH2C = c.EnableH2C
	in.NetHTTPServer = c.NetHTTPServer
	in.TLS = c.ServerTLS
	in.MaxContentLength, in.ValidateQuery, in.NormalizeHost = c.MaxContentLength, !c.DisableValidateQuery, c.NormalizeHost
	in.Forwarded = fwd
	in.Log = c.Log
	if !c.DisableMetrics {
		c.Metrics = metrics.New(metrics.Options{MaxRoutes: c.MetricsMaxRoutes})
	}
	return c, nil
}

// RouteConfig is the part of o that decides which routes there are and
// what they are built with. Run builds its routes from it, and so do the
// check and explain commands, so that they judge routes as the server does.
func (o *Options) RouteConfig() pipeline.Config {
	return pipeline.Config{
		RoutesFiles:      o.routesFiles(),
		InlineRoutes:     o.InlineRoutes,
		DataClients:      o.CustomDataClients,
		Filters:          o.CustomFilters,
		DisabledFilters:  o.DisabledFilters,
		RegisterFilters:  o.RegisterFilters,
		Predicates:       o.CustomPredicates,
		EnableBreakers:   o.EnableBreakers || len(o.Breakers) > 0,
		Breakers:         breakerOptions(o.Breakers),
		EnableRatelimits: o.EnableRatelimits || len(o.Ratelimits) > 0,
		Logging:          logging.Options{MaxAuditBody: maxAuditBody(o.MaxAuditBody)},
		Auth: auth.Options{
			TokeninfoURL:       o.OAuth2TokeninfoURL,
			TokeninfoTimeout:   o.OAuth2TokeninfoTimeout,
			TokeninfoCacheSize: o.OAuth2TokeninfoCacheSize,
			TokeninfoCacheTTL:  o.OAuth2TokeninfoCacheTTL,
		},
		DefaultFiltersPrepend: o.DefaultFiltersPrepend,
		DefaultFiltersAppend:  o.defaultFiltersAppend(),
		CloneRoute:            o.CloneRoute,
		EditRoute:             o.EditRoute,
		ForwardBackendURL:     o.ForwardBackendURL,
		PreProcessors:         o.CustomRoutingPreProcessors,
		PostProcessors:        o.CustomRoutingPostProcessors,
		IgnoreTrailingSlash:   o.IgnoreTrailingSlash,
		DropInvalidUpdates:    o.DropInvalidRouteUpdates,
		Health: healthcheck.Config{
			DeadTTL: o.LBDeadTTL,
			Active: healthcheck.ActiveConfig{
				Interval: max(o.LBHealthcheckInterval, 0),
				Path:     o.LBHealthcheckPath,
				Timeout:  o.LBHealthcheckTimeout,
				// TLS: Resolved.Pipeline sets the proxy's (probes run only
				// in a server).
			},
		},
		PassiveHealthCheck:  o.PassiveHealthCheck,
		Etcd:                o.Etcd,
		EtcdDataDir:         o.EtcdDataDir,
		EtcdEmbeddedAddress: o.EtcdEmbeddedAddress,
		NATS:                o.NATS,
		NATSEmbeddedAddress: o.NATSEmbeddedAddress,
		Log:                 o.Log,
	}
}

// Pipeline builds the route pipeline of a server; an unusable option is a
// ConfigError, and a server needs at least one route source.
func (c *Resolved) Pipeline(shutdownStarted <-chan struct{}) (*pipeline.Pipeline, error) {
	rc := c.RouteConfig()
	// Active probes trust what the proxy trusts (-insecure,
	// -backend-ca-file) and show the same client certificate, so that a
	// backend the proxy can use is not taken for a lame duck.
	rc.Health.Active.TLS = c.BackendTLS
	rc.Log = c.Log
	rc.ShutdownStarted = shutdownStarted
	rc.Metrics = c.Metrics
	urls, err := c.routesURLClients()
	if err != nil {
		return nil, err
	}
	rc.DataClients = append(slices.Clip(rc.DataClients), urls...)
	p, err := pipeline.New(rc)
	var pe *pipeline.Error
	switch {
	case errors.As(err, &pe):
		return nil, &ConfigError{pe.Option, pe.Err}
	case err != nil:
		return nil, err
	}
	if len(p.DataClients) == 0 {
		p.Close()
		return nil, &ConfigError{"routes", errors.New("no route source: give RoutesFiles, InlineRoutes, Etcd.Endpoints, NATS.Transport.Servers or CustomDataClients")}
	}
	return p, nil
}

// Proxy is the request handler's configuration, serving the tables of src
// and logging to al.
func (c *Resolved) Proxy(src proxy.TableSource, al proxy.AccessLogger) proxy.Options {
	return proxy.Options{
		Tables:              src,
		PreserveHost:        c.PreserveHost,
		MaxLoopbacks:        c.MaxLoopbacks,
		DefaultHTTPStatus:   c.DefaultHTTPStatus,
		KeepHopHeaders:      c.KeepHopHeaders,
		MaxIdleConnsPerHost: c.IdleConnsPerHost,
		MaxIdleConns:        c.MaxIdleConnsBackend,
		DisableKeepAlives:   c.DisableHTTPKeepalives,
		Insecure:            c.Insecure,
		ClientTLS:           c.BackendTLS,
		Timeouts: proxy.Timeouts{
			Dial:           c.TimeoutBackend,
			TLSHandshake:   c.TLSTimeoutBackend,
			ResponseHeader: c.ResponseHeaderTimeoutBackend,
			IdleConn:       c.CloseIdleConnsPeriod,
			KeepAlive:      c.KeepaliveBackend,
			ExpectContinue: c.ExpectContinueTimeoutBackend,
			UpgradeDial:    c.UpgradeDialTimeout,
			ReadIdle:       c.ReadIdleTimeoutBackend,
		},
		ClientReadIdle:     c.ReadIdleTimeoutServer,
		ClientWriteIdle:    c.WriteIdleTimeoutServer,
		ServerReadTimeout:  c.ReadTimeoutServer,
		ServerWriteTimeout: c.WriteTimeoutServer,
		BufferBodyBytes:    c.RequestBodyBufferBytes,
		BackendHTTP1Only:   c.BackendHTTP1Only,
		AccessLog:          al,
		AccessLogDisabled:  c.AccessLogDisabled,
		Log:                c.Log,
		Metrics:            noRouteMetrics(c.Metrics),
		FilterMetrics:      filterMetrics(c.Metrics),
		Tracer:             c.Tracer,
		Propagator:         c.Propagator,
	}
}

// noRouteMetrics is the proxy's Options.Metrics: nil when metrics are off.
func noRouteMetrics(m *metrics.Registry) routing.RouteMetrics {
	if m == nil {
		return nil
	}
	return m.NoRoute()
}

// filterMetrics is the proxy's Options.FilterMetrics: nil (discard) when
// metrics are off.
func filterMetrics(m *metrics.Registry) filters.Metrics {
	if m == nil {
		return nil
	}
	return m.Custom()
}

// backendTLS is the client TLS configuration for https backends: nil
// (Go's defaults) unless -insecure, -backend-ca-file, -tls-min-version,
// -client-tls-cert or -tls-key-log-file change it. The CA file's
// certificates are trusted besides the system's. An error is a
// *ConfigError naming the option.
func backendTLS(o *Options, log logrus.FieldLogger) (*tls.Config, error) {
	if !o.Insecure && o.BackendCAFile == "" && o.TLSMinVersion == 0 && o.ClientTLSCert == "" && o.ClientTLSKey == "" &&
		!o.EnableMTLS && o.TLSKeyLogWriter == nil {
		return nil, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: o.Insecure, MinVersion: o.TLSMinVersion, KeyLogWriter: o.TLSKeyLogWriter} //nolint:gosec // the operator asked for it with -insecure
	if err := clientCerts(cfg, o, log); err != nil {
		return nil, &ConfigError{"ClientTLSCert/ClientTLSKey", err}
	}
	if o.BackendCAFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(o.BackendCAFile)
	if err != nil {
		return nil, &ConfigError{"BackendCAFile", err}
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &ConfigError{"BackendCAFile", fmt.Errorf("%s: no PEM certificate found", o.BackendCAFile)}
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// maxAuditBody maps MaxAuditBody's convention (0 default, negative none)
// onto the logging filters' (0 none).
func maxAuditBody(n int) int {
	switch {
	case n == 0:
		return logging.DefaultMaxAuditBody
	case n < 0:
		return 0
	}
	return n
}
