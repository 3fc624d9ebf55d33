package proxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// fakeMetrics records what the proxy reports of one route.
type fakeMetrics struct {
	mu       sync.Mutex
	served   []string // "METHOD status"
	trips    []routing.BackendFailure
	answered []int
}

func (m *fakeMetrics) Served(method string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d <= 0 {
		panic("no duration")
	}
	m.served = append(m.served, method+" "+strconv.Itoa(status))
}

func (m *fakeMetrics) RoundTrip(d time.Duration, f routing.BackendFailure) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.trips = append(m.trips, f)
}

func (m *fakeMetrics) FilterAnswered(i int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answered = append(m.answered, i)
}

func (m *fakeMetrics) snapshot() (served []string, trips []routing.BackendFailure, answered []int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.served...), append([]routing.BackendFailure(nil), m.trips...), append([]int(nil), m.answered...)
}

// bindFakes is a post-processor giving every route the fake of its id.
type bindFakes map[string]*fakeMetrics

func (b bindFakes) Do(rs []*routing.Route) ([]*routing.Route, []routing.InvalidRoute) {
	for _, r := range rs {
		m := b[r.Id]
		if m == nil {
			m = &fakeMetrics{}
			b[r.Id] = m
		}
		r.Metrics = m
	}
	return rs, nil
}

// startObserved serves defs with each route bound to a fake.
func startObserved(t *testing.T, o Options, defs ...*eskip.Route) (*fixture, bindFakes) {
	t.Helper()
	fakes := bindFakes{}
	tbl := routing.Build(defs, routing.BuildOptions{
		Filters:        testRegistry(),
		PostProcessors: []routing.PostProcessor{loadbalancer.NewPostProcessor(healthcheck.New(healthcheck.Config{})), fakes},
	})
	for _, inv := range tbl.Invalid() {
		t.Fatalf("invalid route: %v", inv)
	}
	fx := &fixture{log: &recordingLog{}}
	o.Tables = staticTables{tbl}
	o.AccessLog = fx.log
	l := logrus.New()
	l.SetOutput(io.Discard)
	o.Log = l
	fx.proxy = New(o)
	fx.server = httptest.NewServer(fx.proxy)
	t.Cleanup(func() {
		fx.server.Close()
		_ = fx.proxy.Close()
	})
	return fx, fakes
}

// answeringBackend answers every request with what answer writes on the
// connection, then closes it.
func answeringBackend(t *testing.T, answer func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				answer(c)
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return "http://" + l.Addr().String()
}

func TestMetricsHooks(t *testing.T) {
	ok := backend(t, nil)
	slow := backend(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	garbage := answeringBackend(t, func(c net.Conn) { io.WriteString(c, "SMTP ready\r\n\r\n") })
	reset := answeringBackend(t, func(c net.Conn) {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
	})
	dead := "http://" + deadAddr(t)
	noRoute := &fakeMetrics{}
	fx, fakes := startObserved(t, Options{Metrics: noRoute},
		netRoute("ok", "/ok", ok.URL),
		netRoute("answered", "/answered", ok.URL, f("trace", "a"), f("serve", 429.0), f("trace", "b")),
		netRoute("dial", "/dial", dead),
		netRoute("timeout", "/timeout", slow.URL, f("dur", filters.BackendTimeout, 50.0)),
		netRoute("malformed", "/malformed", garbage),
		netRoute("reset", "/reset", reset),
		lbRoute("lb", "/lb", dead, ok.URL),
		&eskip.Route{Id: "loop", Path: "/loop", BackendType: eskip.LoopBackend, Filters: []*eskip.Filter{f("path", "/ok")}},
	)
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/ok", 200}, {"/answered", 429}, {"/dial", 502}, {"/timeout", 504}, {"/malformed", 502},
		{"/reset", 0}, {"/lb", 200}, {"/lb", 200}, {"/nothing", 404}, {"/loop", 200},
	} {
		rsp, _ := get(t, fx.url(c.path))
		if c.status != 0 && rsp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, rsp.StatusCode, c.status)
		}
	}
	check := func(id string, served []string, trips []routing.BackendFailure, answered []int) {
		t.Helper()
		m := fakes[id]
		if id == "" {
			m = noRoute
		}
		s, tr, a := m.snapshot()
		if strings.Join(s, ",") != strings.Join(served, ",") {
			t.Errorf("%s: served %v, want %v", id, s, served)
		}
		if trips != nil {
			sort.Slice(tr, func(i, j int) bool { return tr[i] < tr[j] })
			if len(tr) != len(trips) {
				t.Errorf("%s: round trips %v, want %v", id, tr, trips)
			} else {
				for i := range tr {
					if tr[i] != trips[i] {
						t.Errorf("%s: round trips %v, want %v", id, tr, trips)
						break
					}
				}
			}
		}
		if len(a) != len(answered) || (len(a) > 0 && a[0] != answered[0]) {
			t.Errorf("%s: answered %v, want %v", id, a, answered)
		}
	}
	check("answered", []string{"GET 429"}, []routing.BackendFailure{}, []int{1})
	check("dial", []string{"GET 502"}, []routing.BackendFailure{routing.FailureDial}, nil)
	check("timeout", []string{"GET 504"}, []routing.BackendFailure{routing.FailureTimeout}, nil)
	check("malformed", []string{"GET 502"}, []routing.BackendFailure{routing.FailureMalformed}, nil)
	_, tr, _ := fakes["reset"].snapshot()
	if len(tr) != 1 || tr[0] != routing.FailureReset {
		t.Errorf("reset: round trips %v", tr)
	}
	// The dead endpoint fails one attempt, which is retried once; the
	// dead mark keeps it out of the second request.
	check("lb", []string{"GET 200", "GET 200"}, []routing.BackendFailure{routing.NoFailure, routing.NoFailure, routing.FailureDial}, nil)
	check("", []string{"GET 404"}, []routing.BackendFailure{}, nil)
	// A loopback counts the request to the route it came in on, and the
	// round trip to the route whose backend it was.
	check("loop", []string{"GET 200"}, []routing.BackendFailure{}, nil)
	check("ok", []string{"GET 200"}, []routing.BackendFailure{routing.NoFailure, routing.NoFailure}, nil)
}

// tracedProxy serves defs with a recording tracer.
func tracedProxy(t *testing.T, defs ...*eskip.Route) (*fixture, *tracetest.SpanRecorder) {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	reg := testRegistry()
	reg.Register(testSpec{"spanSeen", func([]any) filters.Filter {
		return funcFilter{rsp: func(c filters.FilterContext) {
			if trace.SpanFromContext(c.Request().Context()).IsRecording() {
				c.Response().Header.Set("X-Span-Seen", "yes")
			}
		}}
	}})
	fx := startProxyReg(t, reg, Options{Tracer: tp.Tracer("test")}, defs...)
	return fx, sr
}

func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	m := map[string]string{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

func TestTracing(t *testing.T) {
	var gotParent sync.Map // path -> traceparent the backend got
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		gotParent.Store(r.URL.Path, r.Header.Get("Traceparent"))
		if r.URL.Path == "/fail" {
			w.WriteHeader(503)
		}
	})
	fx, sr := tracedProxy(t,
		netRoute("plain", "/plain", be.URL, f("spanSeen")),
		netRoute("named", "/named", be.URL, f("bag", spanNameKey, "backend-call")),
		netRoute("fail", "/fail", be.URL),
	)

	// A request that carries a trace continues it.
	parent := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	req, _ := http.NewRequest("GET", fx.url("/plain"), nil)
	req.Header.Set("Traceparent", parent)
	req.Header.Set("User-Agent", "tester")
	rsp, _ := do(t, req)
	if rsp.Header.Get("X-Span-Seen") != "yes" {
		t.Error("the filters did not see a recording span in the request's context")
	}
	spans := sr.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	client, server := spans[0], spans[1]
	if server.Name() != "ingress" || server.SpanKind() != trace.SpanKindServer || client.Name() != "proxy" || client.SpanKind() != trace.SpanKindClient {
		t.Fatalf("spans %s (%v), %s (%v)", server.Name(), server.SpanKind(), client.Name(), client.SpanKind())
	}
	if got := server.Parent().TraceID().String(); got != "0af7651916cd43dd8448eb211c80319c" || server.Parent().SpanID().String() != "b7ad6b7169203331" || !server.Parent().IsRemote() {
		t.Errorf("server span's parent %v", server.Parent())
	}
	if client.Parent().SpanID() != server.SpanContext().SpanID() || client.SpanContext().TraceID() != server.SpanContext().TraceID() {
		t.Error("client span is not the server span's child")
	}
	tp, _ := gotParent.Load("/plain")
	want := "00-" + client.SpanContext().TraceID().String() + "-" + client.SpanContext().SpanID().String() + "-01"
	if tp != want {
		t.Errorf("backend got traceparent %q, want %q", tp, want)
	}
	sa, ca := attrs(server), attrs(client)
	for k, v := range map[string]string{"http.request.method": "GET", "url.path": "/plain", "http.response.status_code": "200", "skiff.route.id": "plain", "user_agent.original": "tester", "client.address": "127.0.0.1"} {
		if sa[k] != v {
			t.Errorf("server span %s=%q, want %q", k, sa[k], v)
		}
	}
	host := strings.TrimPrefix(be.URL, "http://")
	for k, v := range map[string]string{"skiff.route.id": "plain", "skiff.endpoint": host, "http.request.resend_count": "0", "http.response.status_code": "200", "server.address": "127.0.0.1"} {
		if ca[k] != v {
			t.Errorf("client span %s=%q, want %q", k, ca[k], v)
		}
	}

	// tracingSpanName's name; a 5xx is an error.
	get(t, fx.url("/named"))
	get(t, fx.url("/fail"))
	spans = sr.Ended()[2:]
	if len(spans) != 4 || spans[0].Name() != "backend-call" {
		t.Fatalf("spans %v", spans)
	}
	if spans[2].Status().Code != codes.Error || spans[3].Status().Code != codes.Error {
		t.Errorf("5xx not an error: %v %v", spans[2].Status(), spans[3].Status())
	}
	if spans[1].Parent().IsValid() {
		t.Error("a request without trace context got a parent")
	}
}

// Each attempt of a load-balanced route has its client span with its
// retry number; a failed one records the error.
func TestTracingRetries(t *testing.T) {
	be := backend(t, nil)
	dead := deadAddr(t)
	fx, sr := tracedProxy(t, lbRoute("lb", "/lb", "http://"+dead, be.URL))
	for i := 0; i < 2; i++ {
		get(t, fx.url("/lb"))
	}
	var failed, retried sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		a := attrs(s)
		if s.Name() != "proxy" {
			continue
		}
		if a["skiff.endpoint"] == dead {
			failed = s
		} else if a["http.request.resend_count"] == "1" {
			retried = s
		}
	}
	if failed == nil || retried == nil {
		t.Fatal("no failed attempt and retry")
	}
	if a := attrs(failed); a["http.request.resend_count"] != "0" || a["error.type"] != "dial" || failed.Status().Code != codes.Error {
		t.Errorf("failed attempt %v %v", a, failed.Status())
	}
	if failed.Parent().SpanID() != retried.Parent().SpanID() {
		t.Error("attempts of one request under different parents")
	}
}

// The OTelBaggage predicate sees the baggage of the request's context.
func TestTracingBaggageInContext(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	defer tp.Shutdown(context.Background())
	var ctxBaggage string
	reg := testRegistry()
	reg.Register(testSpec{"bagCtx", func([]any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) {
			ctxBaggage = propagationBaggage(c.Request().Context())
		}}
	}})
	be := backend(t, nil)
	fx := startProxyReg(t, reg, Options{Tracer: tp.Tracer("test")}, netRoute("r", "/", be.URL, f("bagCtx")))
	req, _ := http.NewRequest("GET", fx.url("/"), nil)
	req.Header.Set("Baggage", "tenant=blue")
	do(t, req)
	if ctxBaggage != "tenant=blue" {
		t.Errorf("baggage in context %q", ctxBaggage)
	}
}

func propagationBaggage(ctx context.Context) string {
	h := http.Header{}
	propagation.Baggage{}.Inject(ctx, propagation.HeaderCarrier(h))
	return h.Get("Baggage")
}
