// Package metrics is skiff's Prometheus metrics and the set-up of its
// OpenTelemetry tracing.
//
// A Registry holds every metric (docs/metrics.md lists them). The request
// path reaches it only through handles bound to the routes when they are
// built (Registry.PostProcessor sets routing.Route.Metrics), so that a
// request updates a few atomic counters and looks nothing up. Gauges of
// state that other parts keep anyway (the routing table, the endpoint
// registry, the data clients, the access log) are read when Prometheus
// scrapes, by collectors of this package, instead of being pushed from
// hot code.
//
// Route ids are the only label that grows with the configuration; it is
// bounded by Options.MaxRoutes, beyond which routes share the series
// route="other". Request paths and hosts are never labels.
//
// TracingFromEnv builds the tracer provider from the standard OTEL_*
// environment variables (OTLP over HTTP), or nothing when they do not ask
// for traces.
package metrics
