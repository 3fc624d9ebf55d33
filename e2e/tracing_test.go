package e2e

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/skiff-proxy/skiff"
)

// receivedSpan is a span as an OTLP receiver got it.
type receivedSpan struct {
	service           string
	name              string
	kind              tracepb.Span_SpanKind
	trace, id, parent string
	attrs             map[string]string
	status            tracepb.Status_StatusCode
}

// otlpReceiver is an in-process OTLP/HTTP trace receiver: it decodes each
// ExportTraceServiceRequest and keeps its spans.
type otlpReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []receivedSpan
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	rc := &otlpReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		if r.Method != "POST" || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("export %s %s as %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			t.Errorf("decoding an export: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			service := attrMap(rs.GetResource().GetAttributes())["service.name"]
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					rc.spans = append(rc.spans, receivedSpan{
						service: service, name: s.GetName(), kind: s.GetKind(),
						trace: hex.EncodeToString(s.GetTraceId()), id: hex.EncodeToString(s.GetSpanId()),
						parent: hex.EncodeToString(s.GetParentSpanId()), attrs: attrMap(s.GetAttributes()),
						status: s.GetStatus().GetCode(),
					})
				}
			}
		}
		rc.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func attrMap(kvs []*commonpb.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			m[kv.GetKey()] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			m[kv.GetKey()] = strconv.FormatInt(v.IntValue, 10)
		case *commonpb.AnyValue_BoolValue:
			m[kv.GetKey()] = strconv.FormatBool(v.BoolValue)
		}
	}
	return m
}

// trace returns the spans of one trace, waiting until n have arrived.
func (rc *otlpReceiver) trace(t *testing.T, traceID string, n int) []receivedSpan {
	t.Helper()
	var got []receivedSpan
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = got[:0]
		rc.mu.Lock()
		for _, s := range rc.spans {
			if s.trace == traceID {
				got = append(got, s)
			}
		}
		rc.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func byName(spans []receivedSpan, name string) []receivedSpan {
	var out []receivedSpan
	for _, s := range spans {
		if s.name == name {
			out = append(out, s)
		}
	}
	return out
}

// TestTracingOTLP runs skiff with tracing configured by the OTEL_*
// environment against an in-process OTLP receiver: a server span per
// request, continuing the caller's trace, a client span per backend
// attempt as its child with route id, endpoint and retry number, the
// traceparent the backend gets naming the client span, and the tag
// filters acting on the server span.
func TestTracingOTLP(t *testing.T) {
	rc := newOTLPReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", rc.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "20")
	t.Setenv("OTEL_SERVICE_NAME", "edge-proxy")
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_PROPAGATORS", "")

	var seen sync.Map // path -> traceparent
	be := newBackend(t, "be", func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.URL.Path, r.Header.Get("Traceparent"))
	})
	dead := deadAddress(t)
	in := start(t, routes(
		`tagged: Path("/tagged") -> tracingTag("tenant", "${request.header.X-Tenant}") -> tracingSpanName("backend-call") -> "`+be.URL+`";`,
		`lb: Path("/lb") -> <roundRobin, "http://`+dead+`", "`+be.URL+`">;`,
	), skiff.Options{})

	const callerTrace, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	if r := in.get(t, "/tagged", "Traceparent", "00-"+callerTrace+"-"+callerSpan+"-01", "X-Tenant", "blue"); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	spans := rc.trace(t, callerTrace, 2)
	servers, clients := byName(spans, "ingress"), byName(spans, "backend-call")
	if len(servers) != 1 || len(clients) != 1 {
		t.Fatalf("spans of the trace: %+v", spans)
	}
	server, client := servers[0], clients[0]
	if server.kind != tracepb.Span_SPAN_KIND_SERVER || client.kind != tracepb.Span_SPAN_KIND_CLIENT {
		t.Errorf("kinds %v, %v", server.kind, client.kind)
	}
	if server.parent != callerSpan {
		t.Errorf("server span's parent %q, want the caller's %q", server.parent, callerSpan)
	}
	if client.parent != server.id {
		t.Errorf("client span's parent %q, want the server span %q", client.parent, server.id)
	}
	if tp, _ := seen.Load("/tagged"); tp != "00-"+callerTrace+"-"+client.id+"-01" {
		t.Errorf("backend got traceparent %q, client span %s", tp, client.id)
	}
	if server.service != "edge-proxy" {
		t.Errorf("service %q", server.service)
	}
	for k, v := range map[string]string{"tenant": "blue", "skiff.route.id": "tagged", "http.request.method": "GET", "url.path": "/tagged"} {
		if server.attrs[k] != v {
			t.Errorf("server span %s=%q, want %q (%v)", k, server.attrs[k], v, server.attrs)
		}
	}
	host := strings.TrimPrefix(be.URL, "http://")
	for k, v := range map[string]string{"skiff.route.id": "tagged", "skiff.endpoint": host, "http.request.resend_count": "0"} {
		if client.attrs[k] != v {
			t.Errorf("client span %s=%q, want %q (%v)", k, client.attrs[k], v, client.attrs)
		}
	}

	// A load-balanced route retries a refused connection on the other
	// endpoint: two client spans of one server span, retry 0 and 1.
	// Round robin may start with either endpoint; the second request
	// meets the dead one if the first did not.
	for i := range 2 {
		trace := strings.Repeat("0", 31) + string(rune('1'+i))
		in.get(t, "/lb", "Traceparent", "00-"+trace+"-"+callerSpan+"-01")
		spans := rc.trace(t, trace, 2)
		attempts := byName(spans, "proxy")
		if len(attempts) < 2 {
			continue
		}
		var failed, retried receivedSpan
		for _, a := range attempts {
			if a.attrs["skiff.endpoint"] == dead {
				failed = a
			} else {
				retried = a
			}
		}
		if failed.attrs["http.request.resend_count"] != "0" || retried.attrs["http.request.resend_count"] != "1" ||
			failed.status != tracepb.Status_STATUS_CODE_ERROR || failed.attrs["error.type"] != "dial" {
			t.Errorf("attempts %+v", attempts)
		}
		if failed.parent != retried.parent || failed.parent == "" {
			t.Errorf("attempts under different parents: %+v", attempts)
		}
		return
	}
	t.Error("no request met the dead endpoint")
}
