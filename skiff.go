package skiff

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/internal/gctune"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/admin"
	"github.com/skiff-proxy/skiff/admin/dashboard"
	"github.com/skiff-proxy/skiff/internal/applog"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/proxy/h1server"
	"github.com/skiff-proxy/skiff/proxy/inbound"
	"github.com/skiff-proxy/skiff/routing"
	"github.com/skiff-proxy/skiff/settings"
)

// startupGCPercent is the least GC percentage until the first routes
// serve, and startupGCLimit how long at most it holds (Run).
const (
	startupGCPercent = 400
	startupGCLimit   = time.Minute
)

// Run serves until ctx is canceled, then shuts down gracefully: /health
// and the Shutdown() predicate flip at once, the listeners keep serving
// for the drain period, then stop accepting, requests in flight get up to
// ShutdownTimeout to finish, and finally routing, the proxy and the access
// log are closed. It returns nil after a clean shutdown, a *ConfigError
// when an option is unusable, or the error that stopped a listener.
func Run(ctx context.Context, o Options) error {
	// Listeners handed in are Run's to close on every path; closing one
	// that a server already closed is harmless.
	for _, ln := range []net.Listener{o.Listener, o.SupportNetListener} {
		if ln != nil {
			defer ln.Close()
		}
	}
	c, err := settings.Resolve(o)
	if err != nil {
		return err
	}
	log := c.Log
	var gc *gctune.Tuner // nil: the collector as Go and GOGC set it
	if c.GCHeapHeadroom > 0 {
		gc = gctune.Start(uint64(c.GCHeapHeadroom))
		defer gc.Stop()
	}
	// Until the first routes serve, nearly everything skiff allocates
	// stays live (parsed routes, the table), so collections at Go's rule
	// re-mark a heap that only grows: at 100,000 routes four of them, the
	// last one marking 160 MB while the table is built. Raised, there
	// are two, and the first table serves about 100 ms sooner.
	gc.Raise(startupGCPercent)
	// Deferred first, so run last: the spans of the last requests are
	// exported after the listeners stopped.
	stopTracing, err := startTracing(c)
	if err != nil {
		return err
	}
	defer stopTracing()

	draining := &atomic.Bool{}
	starting := &atomic.Bool{}
	starting.Store(true)
	shutdownStarted := make(chan struct{})

	// gorouter's health (the NATS routes' status listener and health
	// check User-Agent): serving, and not shutting down.
	c.NATS.Healthy = func() bool { return !starting.Load() && !draining.Load() }
	routes, err := c.Pipeline(shutdownStarted)
	if err != nil {
		return err
	}
	defer routes.Close()

	routingCtx, stopRouting := context.WithCancel(context.Background())
	// The dashboard lists routing's updates; it passes them on to the metrics.
	updates := dashboard.NewUpdates(routingObserver(c.Metrics))
	rt := routing.New(routing.Options{BuildOptions: routes.Build, DataClients: routes.DataClients, Log: log, Observer: updates})
	if c.Metrics != nil {
		c.Metrics.WatchRouting(rt, routes.DataClients)
		c.Metrics.WatchEndpoints(routes.Endpoints)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := rt.Run(routingCtx); err != nil {
			log.Errorf("routing stopped: %v", err)
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := routes.RunEndpoints(routingCtx, rt); err != nil {
			log.Errorf("endpoint health stopped: %v", err)
		}
	}()
	if gc != nil {
		wg.Go(func() {
			defer gc.Lower()
			// A source that never delivers must not keep the collector lazy.
			limit := time.NewTimer(startupGCLimit)
			defer limit.Stop()
			select {
			case <-rt.FirstLoad():
			case <-limit.C:
			case <-routingCtx.Done():
			}
		})
	}
	// Deferred in this order so that routing is told to stop before Run
	// waits for it.
	defer wg.Wait()
	defer stopRouting()

	// The access log exists even when disabled: routes may switch it on
	// with enableAccessLog.
	al := accesslog.New(accesslog.Options{
		Output: c.AccessLogOutput, Format: c.AccessLogFormat, JSON: c.AccessLogJSON, StripQuery: c.AccessLogStripQuery, Log: log,
	})
	defer al.Close()
	if c.Metrics != nil {
		c.Metrics.WatchAccessLog(al.Dropped)
	}

	px := proxy.New(c.Proxy(rt, al))
	defer px.Close()
	// teeLoopback's copies go through the proxy; routes.Close (deferred
	// earlier, so run later) ends the copies still in flight.
	routes.Shadow.SetRouter(px)

	// The support listener opens first so that /health and /routes answer
	// while the first routes load.
	var support *http.Server
	serveErr := make(chan error, 2)
	if !c.DisableSupportListener {
		ln := c.SupportNetListener
		if ln == nil {
			if ln, err = net.Listen("tcp", c.SupportListener); err != nil {
				return fmt.Errorf("support listener %s: %w", c.SupportListener, err)
			}
		}
		endpoints := withDamping(admin.EndpointsOf(rt, routes.Endpoints), routes.NATS)
		dash := dashboard.New(dashboard.Options{Tables: rt, Endpoints: endpoints, Counts: routeCounts(c.Metrics), Updates: updates})
		wg.Add(1)
		go func() {
			defer wg.Done()
			dash.Run(routingCtx) // until stopRouting
		}()
		var metricsHandler http.Handler
		if c.Metrics != nil {
			metricsHandler = c.Metrics.Handler()
		}
		support = admin.NewServer(admin.Handler(admin.Options{
			Routes:    admin.SnapshotsOf(rt),
			Endpoints: endpoints,
			Dashboard: dash,
			Printer:   admin.EskipPrinter{},
			Draining:  draining.Load,
			Warnings:  routes.HealthWarnings(c.EtcdUnreachableAfter),
			Starting:  starting.Load,
			Profile:   c.EnableProfile,
			Queues:    admin.QueuesOf(routes.Scheduler),
			Metrics:   metricsHandler,
		}), c.IdleTimeoutServer, applog.ServerLog(log))
		log.Infof("support listener on %s", ln.Addr())
		go func() { serveErr <- admin.Serve(support, ln) }()
	}

	stopStatus, err := startNATSStatus(routes.NATS, c.NATS.Status, c.NATS.Healthy, log)
	if err != nil {
		admin.Shutdown(support)
		return err
	}
	defer stopStatus()

	// NATS routes arrive after the start delay (start_response_delay_interval):
	// the proxy stays closed until then, as gorouter's does.
	if c.WaitFirstRouteLoad || routes.NATS != nil {
		select {
		case <-rt.FirstLoad():
			log.Info("first route set loaded")
		case <-ctx.Done():
		}
	}

	var main *h1server.Server
	if ctx.Err() == nil {
		ln := c.Listener
		if ln == nil {
			if ln, err = net.Listen("tcp", c.Address); err != nil {
				admin.Shutdown(support)
				return fmt.Errorf("proxy listener %s: %w", c.Address, err)
			}
		}
		// skipper's listener options: the TCP queue and the PROXY protocol.
		if ln, err = c.WrapListener(ln); err != nil {
			admin.Shutdown(support)
			return err
		}
		// skipper's steps before routing that skiff keeps out of the proxy:
		// -refuse-payload and the global -ratelimits limit.
		main = inbound.NewServer(c.Inbound, c.WrapHandler(px))
		log.Infof("proxy listener on %s", ln.Addr())
		go func() { serveErr <- inbound.Serve(main, ln, c.Inbound) }()
		starting.Store(false)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-serveErr:
		log.Errorf("listener failed, shutting down: %v", runErr)
	}

	// Graceful shutdown: drain, stop accepting, let requests and upgraded
	// connections finish within the timeout, then close (docs/operations.md).
	draining.Store(true)
	close(shutdownStarted)
	if runErr == nil && main != nil && c.WaitForHealthcheckInterval > 0 {
		log.Infof("shutting down: draining for %s", c.WaitForHealthcheckInterval)
		time.Sleep(c.WaitForHealthcheckInterval)
	}
	if main != nil {
		sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
		if err := main.Shutdown(sctx); err != nil {
			log.Warnf("requests still in flight after %s, closing their connections", c.ShutdownTimeout)
			main.Close()
		}
		// Upgraded connections (WebSocket) left net/http's care when they
		// were hijacked: they get what is left of the same grace.
		if n := px.Upgrades(); n > 0 {
			log.Infof("shutting down: waiting for %d upgraded connections", n)
			if err := px.WaitUpgrades(sctx); err != nil {
				log.Warnf("%d upgraded connections still open after %s, closing them", px.Upgrades(), c.ShutdownTimeout)
			}
		}
		cancel()
	}
	admin.Shutdown(support)
	log.Info("shut down")
	return runErr
}
