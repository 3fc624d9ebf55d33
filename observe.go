package skiff

import (
	"context"
	"time"

	"github.com/skiff-proxy/skiff/admin/dashboard"
	"github.com/skiff-proxy/skiff/metrics"
	"github.com/skiff-proxy/skiff/routing"
	"github.com/skiff-proxy/skiff/settings"
)

// tracingShutdownTimeout bounds the export of the last spans at shutdown.
const tracingShutdownTimeout = 5 * time.Second

// startTracing sets c.Tracer from Options.TracerProvider or, without
// one, from the OTEL_* environment (off unless it asks for traces). The
// returned func exports the spans still buffered and stops the exporter
// Run made; Run calls it last, after the listeners stopped.
func startTracing(c *settings.Resolved) (func(), error) {
	if c.TracerProvider != nil {
		c.Tracer = c.TracerProvider.Tracer(metrics.TracerName)
		return func() {}, nil
	}
	tr, err := metrics.TracingFromEnv(context.Background())
	if err != nil {
		return nil, &settings.ConfigError{Option: "OTEL_* environment", Err: err}
	}
	if tr == nil {
		return func() {}, nil
	}
	c.Tracer, c.Propagator = tr.Tracer(), tr.Propagator
	c.Log.Info("tracing: spans exported with OTLP over HTTP")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), tracingShutdownTimeout)
		defer cancel()
		if err := tr.Shutdown(ctx); err != nil {
			c.Log.Warnf("tracing: exporting the last spans: %v", err)
		}
	}, nil
}

// routingObserver is routing's Observer: nil when metrics are off.
func routingObserver(m *metrics.Registry) routing.Observer {
	if m == nil {
		return nil
	}
	return m.RoutingObserver()
}

// routeCounts gives the dashboard the metrics' cumulative counts per
// route: nil when metrics are off.
func routeCounts(m *metrics.Registry) dashboard.RouteCounter {
	if m == nil {
		return nil
	}
	return dashboard.CountsFunc(func() map[string]dashboard.RouteCount {
		counts := m.RouteCounts()
		out := make(map[string]dashboard.RouteCount, len(counts))
		for id, c := range counts {
			out[id] = dashboard.RouteCount{Requests: c.Requests, Errors5xx: c.Errors5xx}
		}
		return out
	})
}
