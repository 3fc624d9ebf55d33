package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/headers"
	"github.com/skiff-proxy/skiff/filters/tracing"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/routing"
)

type fixedTables struct{ t *routing.Table }

func (f fixedTables) Acquire() *routing.Table { return f.t }

// TestThroughProxy loads skipper's examples into the proxy. Requests pass
// as if the filters were not there; when a handler around the proxy puts a
// recording span in the request's context (as skiff's tracing will), the
// tags land on it.
func TestThroughProxy(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Up", "up")
		if r.URL.Path == "/fail" {
			w.WriteHeader(502)
		}
	}))
	defer be.Close()
	defs, err := eskip.Parse(strings.ReplaceAll(`
		tags: Path("/tags")
		  -> tracingSpanName("api-operation")
		  -> tracingTag("http.flow_id", "${request.header.X-Flow-Id}")
		  -> tracingTagFromResponse("up", "${response.header.X-Up}")
		  -> tracingTagFromResponseIfStatus("error", "true", 500, 599)
		  -> setContextResponseHeader("X-Span-Name", "statebag:opentracing:proxy:span")
		  -> "BE";
		fail: Path("/fail") -> tracingTagFromResponseIfStatus("error", "true", 500, 599) -> "BE";
		bag: Path("/bag") -> tracingSpanName("named") -> stateBagToTag("statebag:opentracing:proxy:span", "span")
		  -> tracingBaggageToTag("foo", "baz") -> "BE";
	`, "BE", be.URL))
	if err != nil {
		t.Fatal(err)
	}
	reg := filters.Registry{}
	for _, s := range append(tracing.Specs(), headers.Specs()...) {
		reg.Register(s)
	}
	table := routing.Build(defs, routing.BuildOptions{Filters: reg, Predicates: routing.PredicateRegistry{}})
	if inv := table.Invalid(); len(inv) > 0 {
		t.Fatalf("invalid routes: %+v", inv)
	}
	p := proxy.New(proxy.Options{Tables: fixedTables{table}})
	defer p.Close()

	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	defer tp.Shutdown(context.Background())
	traced := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !traced {
			p.ServeHTTP(w, r)
			return
		}
		ctx, span := tp.Tracer("test").Start(r.Context(), "ingress")
		defer span.End()
		p.ServeHTTP(w, r.WithContext(ctx))
	}))
	defer srv.Close()
	client := &http.Client{}
	defer client.CloseIdleConnections()

	get := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("X-Flow-Id", "flow-1")
		rsp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rsp.Body.Close()
		return rsp
	}
	for _, traced = range []bool{false, true} {
		rsp := get("/tags")
		if rsp.StatusCode != 200 || rsp.Header.Get("X-Span-Name") != "api-operation" {
			t.Errorf("traced %v: status %d, span name %q", traced, rsp.StatusCode, rsp.Header.Get("X-Span-Name"))
		}
		if rsp := get("/fail"); rsp.StatusCode != 502 {
			t.Errorf("traced %v: /fail status %d", traced, rsp.StatusCode)
		}
		if rsp := get("/bag"); rsp.StatusCode != 200 {
			t.Errorf("traced %v: /bag status %d", traced, rsp.StatusCode)
		}
	}
	var got []map[string]string
	for _, s := range sr.Ended() {
		attrs := map[string]string{}
		for _, kv := range s.Attributes() {
			attrs[string(kv.Key)] = kv.Value.Emit()
		}
		got = append(got, attrs)
	}
	want := []map[string]string{
		{"http.flow_id": "flow-1", "up": "up"},
		{"error": "true"},
		{"span": "named"}, // the request carries no baggage
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("span attributes %v, want %v", got, want)
	}
}
