package metrics

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TracerName is the instrumentation scope of skiff's spans.
const TracerName = "github.com/skiff-proxy/skiff"

// DefaultServiceName is the service.name of skiff's spans unless
// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name another.
const DefaultServiceName = "skiff"

// Tracing is a tracer provider exporting spans over OTLP/HTTP, with the
// propagator that reads and writes trace context in HTTP headers.
type Tracing struct {
	Provider   *sdktrace.TracerProvider
	Propagator propagation.TextMapPropagator
}

// Tracer is skiff's tracer of the provider.
func (t *Tracing) Tracer() trace.Tracer { return t.Provider.Tracer(TracerName) }

// Shutdown sends the spans not yet exported and stops the exporter's
// goroutine; ctx bounds the wait.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.Provider.Shutdown(ctx) }

// TracingFromEnv builds skiff's tracing from the standard OpenTelemetry
// environment variables, or returns nil when they do not ask for traces:
// traces are on when OTEL_TRACES_EXPORTER includes "otlp", or when it is
// unset and OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none turn them off. The exporter speaks OTLP over
// HTTP (http/protobuf) and reads the other OTEL_EXPORTER_OTLP_* variables
// (headers, timeout, compression, certificates) itself; the sampler comes
// from OTEL_TRACES_SAMPLER (default: parent-based, always on), the
// batching from OTEL_BSP_*, the resource from OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES, the propagators from OTEL_PROPAGATORS
// (tracecontext and baggage, the default, or none). A value skiff cannot
// honour is an error rather than silently no traces.
func TracingFromEnv(ctx context.Context) (*Tracing, error) {
	return tracingFromEnv(ctx, os.Getenv)
}

func tracingFromEnv(ctx context.Context, getenv func(string) string) (*Tracing, error) {
	on, err := tracesWanted(getenv)
	if err != nil || !on {
		return nil, err
	}
	prop, err := propagatorFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	proto := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if proto != "" && proto != "http/protobuf" {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: skiff exports traces with OTLP over HTTP (http/protobuf) only", proto)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", DefaultServiceName)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win
	)
	if err != nil && res == nil {
		_ = exp.Shutdown(ctx)
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{Provider: tp, Propagator: prop}, nil
}

// tracesWanted reads whether the environment asks for traces.
func tracesWanted(getenv func(string) string) (bool, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false, nil
	}
	exporters := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))
	if exporters == "" {
		return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "", nil
	}
	otlp := false
	for e := range strings.SplitSeq(exporters, ",") {
		switch e = strings.ToLower(strings.TrimSpace(e)); e {
		case "none":
			return false, nil
		case "otlp":
			otlp = true
		}
	}
	if !otlp {
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER=%s: skiff exports traces with otlp only (or none)", exporters)
	}
	return true, nil
}

var errNoPropagator = errors.New("skiff propagates tracecontext and baggage only (or none)")

// propagatorFromEnv is the propagator OTEL_PROPAGATORS names: W3C trace
// context and baggage by default.
func propagatorFromEnv(getenv func(string) string) (propagation.TextMapPropagator, error) {
	v := strings.TrimSpace(getenv("OTEL_PROPAGATORS"))
	if v == "" {
		return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}), nil
	}
	var ps []propagation.TextMapPropagator
	for p := range strings.SplitSeq(v, ",") {
		switch p = strings.ToLower(strings.TrimSpace(p)); p {
		case "tracecontext":
			ps = append(ps, propagation.TraceContext{})
		case "baggage":
			ps = append(ps, propagation.Baggage{})
		case "none":
			return propagation.NewCompositeTextMapPropagator(), nil
		case "":
		default:
			return nil, fmt.Errorf("OTEL_PROPAGATORS=%s: %w", v, errNoPropagator)
		}
	}
	return propagation.NewCompositeTextMapPropagator(ps...), nil
}
