package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestTracesWanted(t *testing.T) {
	for _, c := range []struct {
		env     []string
		on, err bool
	}{
		{nil, false, false},
		{[]string{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"}, true, false},
		{[]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://localhost:4318/v1/traces"}, true, false},
		{[]string{"OTEL_TRACES_EXPORTER", "otlp"}, true, false},
		{[]string{"OTEL_TRACES_EXPORTER", " OTLP , console"}, true, false},
		{[]string{"OTEL_TRACES_EXPORTER", "none", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"}, false, false},
		{[]string{"OTEL_TRACES_EXPORTER", "zipkin"}, false, true},
		{[]string{"OTEL_SDK_DISABLED", "TRUE", "OTEL_TRACES_EXPORTER", "otlp"}, false, false},
		{[]string{"OTEL_SDK_DISABLED", "false", "OTEL_TRACES_EXPORTER", "otlp"}, true, false},
	} {
		on, err := tracesWanted(env(c.env...))
		if on != c.on || (err != nil) != c.err {
			t.Errorf("%v: on %v, err %v; want %v, error %v", c.env, on, err, c.on, c.err)
		}
	}
}

func TestPropagatorFromEnv(t *testing.T) {
	for _, c := range []struct {
		v      string
		fields int // header names it writes
		err    bool
	}{
		{"", 3, false}, // traceparent, tracestate, baggage
		{"tracecontext", 2, false},
		{"baggage", 1, false},
		{"none", 0, false},
		{"b3", 0, true},
	} {
		p, err := propagatorFromEnv(env("OTEL_PROPAGATORS", c.v))
		if (err != nil) != c.err {
			t.Errorf("%q: error %v", c.v, err)
			continue
		}
		if err == nil && len(p.Fields()) != c.fields {
			t.Errorf("%q: fields %v", c.v, p.Fields())
		}
	}
	if _, err := tracingFromEnv(context.Background(), env("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")); err == nil {
		t.Error("grpc accepted")
	}
}

// otlpReceiver is an OTLP/HTTP trace receiver: it decodes every export
// request and keeps the span names and service names.
type otlpReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	spans    []string
	services []string
}

func newReceiver(t *testing.T) *otlpReceiver {
	rc := &otlpReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("export to %s as %s", r.URL.Path, r.Header.Get("Content-Type"))
		}
		if err := proto.Unmarshal(b, &req); err != nil {
			t.Errorf("decoding an export: %v", err)
			w.WriteHeader(400)
			return
		}
		rc.mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			for _, a := range rs.GetResource().GetAttributes() {
				if a.GetKey() == "service.name" {
					rc.services = append(rc.services, a.GetValue().GetStringValue())
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					rc.spans = append(rc.spans, s.GetName())
				}
			}
		}
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Write(out)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// TracingFromEnv exports to the endpoint the environment names, as the
// service it names.
func TestTracingFromEnvExports(t *testing.T) {
	rc := newReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", rc.URL)
	t.Setenv("OTEL_SERVICE_NAME", "edge")
	tr, err := TracingFromEnv(context.Background())
	if err != nil || tr == nil {
		t.Fatalf("tracing %v, error %v", tr, err)
	}
	if _, ok := tr.Propagator.(interface{ Fields() []string }); !ok {
		t.Fatal("no propagator")
	}
	_, span := tr.Tracer().Start(context.Background(), "one")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.spans) != 1 || rc.spans[0] != "one" || rc.services[0] != "edge" {
		t.Errorf("received spans %v of %v", rc.spans, rc.services)
	}
	var _ propagation.TextMapPropagator = tr.Propagator
}

func TestTracingOffByDefault(t *testing.T) {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER"} {
		t.Setenv(k, "")
	}
	tr, err := TracingFromEnv(context.Background())
	if tr != nil || err != nil {
		t.Errorf("tracing %v, error %v", tr, err)
	}
}
