package tracing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(), name)
}

// recorded runs f on a request carrying a recording span (and the
// baggage given as "key=value" members) and returns the span's
// attributes.
func recorded(t *testing.T, f filters.Filter, setup func(*filtertest.Context), bag string) map[string]string {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	defer tp.Shutdown(context.Background())
	ctx := context.Background()
	if bag != "" {
		b, err := baggage.Parse(bag)
		if err != nil {
			t.Fatal(err)
		}
		ctx = baggage.ContextWithBaggage(ctx, b)
	}
	ctx, span := tp.Tracer("test").Start(ctx, "ingress")
	r := httptest.NewRequest("GET", "http://example.org/p?q=1", nil).WithContext(ctx)
	r.Header.Set("X-Flow-Id", "flow-1")
	fc := filtertest.NewContext(r)
	if setup != nil {
		setup(fc)
	}
	f.Request(fc)
	if fc.FResponse == nil {
		fc.FResponse = &http.Response{StatusCode: 200, Header: http.Header{"X-Up": {"up"}}}
	}
	f.Response(fc)
	span.End()
	ended := sr.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans", len(ended))
	}
	attrs := map[string]string{}
	for _, kv := range ended[0].Attributes() {
		attrs[string(kv.Key)] = kv.Value.Emit()
	}
	return attrs
}

func TestTags(t *testing.T) {
	for _, tc := range []struct {
		name   string
		filter string
		args   []any
		status int
		bag    map[string]any
		items  string // baggage
		want   map[string]string
	}{
		// skipper's documented examples.
		{name: "tag", filter: "tracingTag", args: []any{"foo", "bar"}, want: map[string]string{"foo": "bar"}},
		{name: "tag from header", filter: "tracingTag", args: []any{"http.flow_id", "${request.header.X-Flow-Id}"},
			want: map[string]string{"http.flow_id": "flow-1"}},
		{name: "tag incomplete", filter: "tracingTag", args: []any{"x", "${request.header.X-Missing}"},
			want: map[string]string{}},
		{name: "tag response template not in request", filter: "tracingTag", args: []any{"x", "${response.header.X-Up}"},
			want: map[string]string{}},
		{name: "from response", filter: "tracingTagFromResponse", args: []any{"up", "${response.header.X-Up}"},
			want: map[string]string{"up": "up"}},
		{name: "if status in range", filter: "tracingTagFromResponseIfStatus", args: []any{"error", "true", 500.0, 599.0},
			status: 503, want: map[string]string{"error": "true"}},
		{name: "if status below range", filter: "tracingTagFromResponseIfStatus", args: []any{"error", "true", 500.0, 599.0},
			status: 404, want: map[string]string{}},
		{name: "if status single", filter: "tracingTagFromResponseIfStatus", args: []any{"user.id", "${request.header.X-Flow-Id}", 429.0, 429},
			status: 429, want: map[string]string{"user.id": "flow-1"}},
		{name: "state bag", filter: "stateBagToTag", args: []any{"auth-user", "client_id"},
			bag: map[string]any{"auth-user": "jdoe"}, want: map[string]string{"client_id": "jdoe"}},
		{name: "state bag same name", filter: "stateBagToTag", args: []any{"auth-user"},
			bag: map[string]any{"auth-user": "jdoe"}, want: map[string]string{"auth-user": "jdoe"}},
		{name: "state bag formatted", filter: "stateBagToTag", args: []any{"n"},
			bag: map[string]any{"n": 42}, want: map[string]string{"n": "42"}},
		{name: "state bag missing", filter: "stateBagToTag", args: []any{"auth-user"}, want: map[string]string{}},
		{name: "baggage", filter: "tracingBaggageToTag", args: []any{"foo", "baz"}, items: "foo=bar",
			want: map[string]string{"baz": "bar"}},
		{name: "baggage same name", filter: "tracingBaggageToTag", args: []any{"foo"}, items: "foo=bar,x=y",
			want: map[string]string{"foo": "bar"}},
		{name: "baggage missing", filter: "tracingBaggageToTag", args: []any{"foo"}, items: "x=y",
			want: map[string]string{}},
		{name: "span name tags nothing", filter: "tracingSpanName", args: []any{"api-operation"}, want: map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, spec(t, tc.filter), tc.args...)
			got := recorded(t, f, func(c *filtertest.Context) {
				for k, v := range tc.bag {
					c.FStateBag[k] = v
				}
				if tc.status != 0 {
					c.FResponse = &http.Response{StatusCode: tc.status, Header: http.Header{}}
				}
			}, tc.items)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("attributes %v, want %v", got, tc.want)
			}
		})
	}
}

// Without a recording span, which is every request until skiff traces,
// the filters change nothing.
func TestWithoutSpan(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
	}{
		{"tracingTag", []any{"foo", "bar"}},
		{"tracingTagFromResponse", []any{"foo", "${response.header.X}"}},
		{"tracingTagFromResponseIfStatus", []any{"error", "true", 500.0, 599.0}},
		{"stateBagToTag", []any{"auth-user", "client_id"}},
		{"tracingBaggageToTag", []any{"foo"}},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		ctx := filtertest.NewContext(r)
		ctx.FStateBag["auth-user"] = "jdoe"
		f := filtertest.Create(t, spec(t, tc.filter), tc.args...)
		f.Request(ctx)
		f.Response(ctx) // nil response
		ctx.FResponse = &http.Response{StatusCode: 500, Header: http.Header{"X": {"y"}}}
		f.Response(ctx)
		if len(ctx.FStateBag) != 1 || len(r.Header) != 0 || len(ctx.Log) != 0 {
			t.Errorf("%s changed something: bag %v, header %v, log %v", tc.filter, ctx.FStateBag, r.Header, ctx.Log)
		}
	}
}

func TestSpanName(t *testing.T) {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f := filtertest.Create(t, spec(t, "tracingSpanName"), "api-operation")
	f.Request(ctx)
	f.Response(ctx)
	if got := ctx.FStateBag[SpanNameKey]; got != "api-operation" {
		t.Errorf("state bag %q = %v", SpanNameKey, got)
	}
	allocs := testing.AllocsPerRun(100, func() { f.Request(ctx) })
	if allocs != 0 {
		t.Errorf("%v allocations per request", allocs)
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"tracingTag", []any{"foo"}, "want 2 argument(s), got 1"},
		{"tracingTag", []any{"foo", "bar", "baz"}, "want 2 argument(s), got 3"},
		{"tracingTag", []any{1.0, "bar"}, "argument 1 (tag name) must be a string"},
		{"tracingTagFromResponse", []any{"foo", 2.0}, "argument 2 (tag value) must be a string"},
		{"tracingTagFromResponseIfStatus", []any{"error", "true", 500.0}, "want 4 argument(s), got 3"},
		{"tracingTagFromResponseIfStatus", []any{"error", "true", "500", 599.0}, "argument 3 (lowest status) must be an integer"},
		{"tracingTagFromResponseIfStatus", []any{"error", "true", 500.0, 599.5}, "argument 4 (highest status) must be an integer"},
		{"tracingTagFromResponseIfStatus", []any{"error", "true", 500.0, 600.0}, "status range 500 to 600"},
		{"tracingTagFromResponseIfStatus", []any{"error", "true", -1.0, 599.0}, "status range -1 to 599"},
		{"tracingTagFromResponseIfStatus", []any{"error", "true", 500.0, 400.0}, "status range 500 to 400"},
		{"stateBagToTag", []any{}, "want 1 to 2 arguments, got 0"},
		{"stateBagToTag", []any{"a", "b", "c"}, "want 1 to 2 arguments, got 3"},
		{"stateBagToTag", []any{""}, "argument 1 (state bag key) must not be empty"},
		{"stateBagToTag", []any{"a", ""}, "argument 2 (tag name) must not be empty"},
		{"stateBagToTag", []any{"a", 1.0}, "argument 2 (tag name) must be a string"},
		{"tracingBaggageToTag", []any{}, "want 1 to 2 arguments, got 0"},
		{"tracingBaggageToTag", []any{""}, "argument 1 (baggage item) must not be empty"},
		{"tracingSpanName", []any{}, "want 1 argument(s), got 0"},
		{"tracingSpanName", []any{"a", "b"}, "want 1 argument(s), got 2"},
		{"tracingSpanName", []any{1.0}, "argument 1 (span name) must be a string"},
	} {
		filtertest.CreateFails(t, spec(t, tc.filter), tc.args, tc.want)
	}
}
