package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/sony/gobreaker"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// gathered is one scrape: the families by name.
type gathered map[string]*dto.MetricFamily

func gather(t *testing.T, r *Registry) gathered {
	t.Helper()
	fams, err := r.Prometheus().Gather()
	if err != nil {
		t.Fatal(err)
	}
	g := gathered{}
	for _, f := range fams {
		g[f.GetName()] = f
	}
	return g
}

// find returns the sample of name with exactly these label values (name,
// value pairs), or nil.
func (g gathered) find(name string, labels ...string) *dto.Metric {
	f := g[name]
	if f == nil {
		return nil
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel())*2 != len(labels) {
			continue
		}
		ok := true
		for i, l := range m.GetLabel() {
			if l.GetName() != labels[2*i] || l.GetValue() != labels[2*i+1] {
				ok = false
			}
		}
		if ok {
			return m
		}
	}
	return nil
}

func (g gathered) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	m := g.find(name, labels...)
	if m == nil {
		t.Fatalf("no sample %s%v", name, labels)
	}
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Histogram != nil:
		return float64(m.GetHistogram().GetSampleCount())
	}
	t.Fatalf("%s%v has no value", name, labels)
	return 0
}

type fixedTables struct{ t *routing.Table }

func (f fixedTables) Acquire() *routing.Table { return f.t }

type nopFilter struct{}

func (nopFilter) Request(filters.FilterContext)  {}
func (nopFilter) Response(filters.FilterContext) {}

type fadeInFilter struct{ nopFilter }

func (fadeInFilter) FadeInSetting() (time.Duration, float64) { return time.Hour, 1 }

type nopSpec string

func (s nopSpec) Name() string { return string(s) }
func (s nopSpec) CreateFilter(args []any) (filters.Filter, error) {
	if s == "fadeIn" {
		return fadeInFilter{}, nil
	}
	return nopFilter{}, nil
}

func registryOf(names ...string) filters.Registry {
	reg := filters.Registry{}
	for _, n := range names {
		reg.Register(nopSpec(n))
	}
	return reg
}

// build makes a table with the registry's post-processor, the load
// balancer's before it.
func build(t testing.TB, r *Registry, hc *healthcheck.Registry, doc string) *routing.Table {
	t.Helper()
	defs, err := eskip.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	tbl := routing.Build(defs, routing.BuildOptions{
		Filters:        registryOf("ratelimit", "clientRatelimit", "setPath", "fadeIn"),
		PostProcessors: []routing.PostProcessor{loadbalancer.NewPostProcessor(hc), r.PostProcessor()},
	})
	for _, inv := range tbl.Invalid() {
		t.Fatalf("invalid route %v", inv)
	}
	return tbl
}

func routeOf(t *testing.T, tbl *routing.Table, id string) *routing.Route {
	t.Helper()
	for _, r := range tbl.Routes() {
		if r.Id == id {
			return r
		}
	}
	t.Fatalf("no route %s", id)
	return nil
}

func TestRouteMetrics(t *testing.T) {
	r := New(Options{NoRuntime: true})
	tbl := build(t, r, healthcheck.New(healthcheck.Config{}), `
		a: Path("/a") -> setPath("/x") -> clientRatelimit(1, "1s") -> "http://127.0.0.1:1";
		b: Path("/b") -> <shunt>;
	`)
	r.WatchRouting(fixedTables{tbl}, nil)
	a, b := routeOf(t, tbl, "a").Metrics, routeOf(t, tbl, "b").Metrics
	if a == nil || b == nil {
		t.Fatal("routes not bound")
	}
	a.Served("GET", 200, 3*time.Millisecond)
	a.Served("GET", 200, 20*time.Millisecond)
	a.Served("get", 503, time.Second)
	a.Served("POST", 0, time.Minute)
	a.RoundTrip(2*time.Millisecond, routing.NoFailure)
	a.RoundTrip(time.Second, routing.FailureDial)
	a.RoundTrip(time.Second, routing.FailureMalformed)
	a.FilterAnswered(1) // the rate limit
	a.FilterAnswered(0) // setPath: no rejection
	b.Served("DELETE", 404, time.Microsecond)
	r.NoRoute().Served("GET", 404, time.Millisecond)

	g := gather(t, r)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"skiff_requests_total", []string{"method", "GET", "route", "a", "status_class", "2xx"}, 2},
		{"skiff_requests_total", []string{"method", "other", "route", "a", "status_class", "5xx"}, 1},
		{"skiff_requests_total", []string{"method", "POST", "route", "a", "status_class", "other"}, 1},
		{"skiff_requests_total", []string{"method", "DELETE", "route", "b", "status_class", "4xx"}, 1},
		{"skiff_requests_total", []string{"method", "GET", "route", NoRoute, "status_class", "4xx"}, 1},
		{"skiff_request_duration_seconds", []string{"route", "a"}, 4},
		{"skiff_backend_duration_seconds", []string{"route", "a"}, 3},
		{"skiff_backend_errors_total", []string{"kind", "dial", "route", "a"}, 1},
		{"skiff_backend_errors_total", []string{"kind", "malformed", "route", "a"}, 1},
		{"skiff_ratelimit_rejections_total", []string{"route", "a"}, 1},
		{"skiff_metrics_routes", nil, 2},
		{"skiff_metrics_routes_limit", nil, DefaultMaxRoutes},
		{"skiff_routing_routes", []string{"client", "", "state", "valid"}, 2},
	} {
		if got := g.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if m := g.find("skiff_requests_total", "method", "GET", "route", "b", "status_class", "2xx"); m != nil {
		t.Error("a series that counted nothing is written")
	}
	h := g.find("skiff_request_duration_seconds", "route", "a").GetHistogram()
	if got, want := h.GetSampleSum(), 60+1+.023; got < want-1e-6 || got > want+1e-6 {
		t.Errorf("duration sum %v, want %v", got, want)
	}
	cum := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		cum[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if cum[.0025] != 0 || cum[.005] != 1 || cum[.025] != 2 || cum[1] != 3 || cum[30] != 3 || cum[60] != 4 {
		t.Errorf("buckets %v", cum)
	}

	counts := r.RouteCounts()
	if c := counts["a"]; c.Requests != 4 || c.Errors5xx != 1 {
		t.Errorf("a: %+v", c)
	}
	if c := counts[NoRoute]; c.Requests != 1 {
		t.Errorf("%s: %+v", NoRoute, c)
	}
	if _, ok := counts[OtherRoutes]; !ok {
		t.Errorf("no %s in %v", OtherRoutes, counts)
	}
}

// The request path's calls allocate nothing.
func TestRouteMetricsAllocFree(t *testing.T) {
	r := New(Options{NoRuntime: true})
	tbl := build(t, r, healthcheck.New(healthcheck.Config{}), `a: * -> ratelimit(1, "1s") -> <shunt>;`)
	m := tbl.Routes()[0].Metrics
	n := testing.AllocsPerRun(1000, func() {
		m.Served("GET", 200, time.Millisecond)
		m.RoundTrip(time.Millisecond, routing.FailureReset)
		m.FilterAnswered(0)
	})
	if n != 0 {
		t.Errorf("%v allocations per request", n)
	}
}

func TestMaxRoutesAndPrune(t *testing.T) {
	r := New(Options{MaxRoutes: 2, NoRuntime: true})
	hc := healthcheck.New(healthcheck.Config{})
	tbl := build(t, r, hc, `a: Path("/a") -> <shunt>; b: Path("/b") -> <shunt>; c: Path("/c") -> <shunt>; other: Path("/o") -> <shunt>;`)
	src := &fixedTables{tbl}
	r.WatchRouting(src, nil)
	own := 0
	for _, rt := range tbl.Routes() {
		rt.Metrics.Served("GET", 200, time.Millisecond)
		if rt.Id != OtherRoutes && rt.Metrics.(*binding).s.Load().id == rt.Id {
			own++
		}
	}
	if own != 2 {
		t.Errorf("%d routes with series of their own, want 2", own)
	}
	counts := r.RouteCounts()
	if len(counts) != 4 || counts[OtherRoutes].Requests != 2 {
		t.Errorf("counts %v", counts)
	}

	// The routes leave; the new ones, counted as other while the limit
	// is full, get series of their own at the next look at the table.
	time.Sleep(time.Millisecond)
	src.t = build(t, r, hc, `d: Path("/d") -> <shunt>; e: Path("/e") -> <shunt>;`)
	for _, rt := range src.t.Routes() {
		// Stats are made at a route's first request.
		if s := rt.Metrics.(*binding).s.Load(); s != nil {
			t.Errorf("route %s has stats (%s) before its first request", rt.Id, s.id)
		}
		rt.Metrics.Served("GET", 200, time.Millisecond)
		if id := rt.Metrics.(*binding).s.Load().id; id != OtherRoutes {
			t.Errorf("route %s counts as %s before the look", rt.Id, id)
		}
	}
	r.lastPrune = time.Time{}
	counts = r.RouteCounts()
	for _, rt := range src.t.Routes() {
		if id := rt.Metrics.(*binding).s.Load().id; id != rt.Id {
			t.Errorf("route %s counts as %s", rt.Id, id)
		}
	}
	if _, ok := counts["a"]; ok || len(counts) != 4 {
		t.Errorf("counts after the change %v", counts)
	}
}

// A route id with stats that a table being built binds again is not
// pruned by a look at the table before it, which lacks the id.
func TestPruneKeepsRoutesOfNextTable(t *testing.T) {
	r := New(Options{NoRuntime: true})
	hc := healthcheck.New(healthcheck.Config{})
	first := build(t, r, hc, `b: Path("/b") -> <shunt>;`)
	first.Routes()[0].Metrics.Served("GET", 200, time.Millisecond)
	time.Sleep(time.Millisecond)
	old := build(t, r, hc, `a: Path("/a") -> <shunt>;`)
	r.WatchRouting(fixedTables{old}, nil)
	next := build(t, r, hc, `a: Path("/a") -> <shunt>; b: Path("/b") -> <shunt>;`)
	r.RouteCounts()
	if c, ok := r.RouteCounts()["b"]; !ok || c.Requests != 1 {
		t.Fatalf("b pruned or restarted: %v %v", c, ok)
	}
	_ = next
}

// A route's stats are made at its first request: the MaxRoutes series of
// their own go to routes that are asked for, not to the first ones built.
func TestStatsAtFirstRequest(t *testing.T) {
	r := New(Options{MaxRoutes: 1, NoRuntime: true})
	hc := healthcheck.New(healthcheck.Config{})
	tbl := build(t, r, hc, `a: Path("/a") -> <shunt>; b: Path("/b") -> <shunt>;`)
	r.WatchRouting(fixedTables{tbl}, nil)
	if counts := r.RouteCounts(); len(counts) != 2 { // other and none only
		t.Errorf("counts before any request %v", counts)
	}
	for _, rt := range tbl.Routes() {
		if rt.Id == "b" {
			rt.Metrics.Served("GET", 200, time.Millisecond)
		}
	}
	counts := r.RouteCounts()
	if counts["b"].Requests != 1 || counts[OtherRoutes].Requests != 0 {
		t.Errorf("b did not get the one series of its own: %v", counts)
	}
	if _, ok := counts["a"]; ok {
		t.Errorf("a has a series without a request: %v", counts)
	}
}

func TestEndpointMetrics(t *testing.T) {
	r := New(Options{NoRuntime: true})
	hc := healthcheck.New(healthcheck.Config{DeadTTL: -1})
	tbl := build(t, r, hc, `
		lb: Path("/lb") -> <roundRobin, "http://127.0.0.1:1001", "http://127.0.0.1:1002", "http://127.0.0.1:1003">;
		lb2: Path("/lb2") -> <roundRobin, "http://127.0.0.1:1003", "http://127.0.0.1:1004">;
	`)
	r.WatchRouting(fixedTables{tbl}, nil)
	r.WatchEndpoints(hc)
	hc.Lookup("127.0.0.1:1001").MarkDead("test")
	hc.Lookup("127.0.0.1:1002").SetState(healthcheck.LameDuck, "test")
	hc.Lookup("127.0.0.1:1003").Begin()
	defer hc.Lookup("127.0.0.1:1003").End(healthcheck.Outcome{})
	g := gather(t, r)
	for _, c := range []struct {
		state string
		want  float64
	}{{"healthy", 2}, {"dead", 1}, {"lame-duck", 1}, {"fading-in", 0}} {
		if got := g.value(t, "skiff_endpoints", "state", c.state); got != c.want {
			t.Errorf("%s: %v, want %v", c.state, got, c.want)
		}
	}
	if got := g.value(t, "skiff_endpoints_in_flight"); got != 1 {
		t.Errorf("in flight %v", got)
	}
	if got := g.value(t, "skiff_endpoint_state_changes_total"); got != 2 {
		t.Errorf("state changes %v", got)
	}
	if got := g.value(t, "skiff_endpoint_probes_total", "result", "healthy"); got != 0 {
		t.Errorf("probes %v", got)
	}
}

func TestFadingIn(t *testing.T) {
	r := New(Options{NoRuntime: true})
	hc := healthcheck.New(healthcheck.Config{})
	tbl := build(t, r, hc, `lb: Path("/lb") -> fadeIn("1h") -> <roundRobin, "http://127.0.0.1:1001">;`)
	r.WatchRouting(fixedTables{tbl}, nil)
	g := gather(t, r)
	if got := g.value(t, "skiff_endpoints", "state", "fading-in"); got != 1 {
		t.Errorf("fading in %v", got)
	}
}

type namedClient struct {
	name      string
	connected bool
}

func (c namedClient) Name() string                                       { return c.name }
func (c namedClient) Connected() bool                                    { return c.connected }
func (namedClient) Run(context.Context, chan<- dataclients.Update) error { return nil }

type plainClient struct{ name string }

func (c plainClient) Name() string                                       { return c.name }
func (plainClient) Run(context.Context, chan<- dataclients.Update) error { return nil }

func TestRoutingMetrics(t *testing.T) {
	r := New(Options{NoRuntime: true})
	defs, _ := eskip.Parse(`a: * -> <shunt>; b: * -> undefinedFilter() -> <shunt>;`)
	tbl := routing.Build(defs, routing.BuildOptions{Filters: filters.Registry{}, PostProcessors: []routing.PostProcessor{r.PostProcessor()}})
	r.WatchRouting(fixedTables{tbl}, nil)
	obs := r.RoutingObserver()
	at := time.Unix(1700000000, 0)
	obs.UpdateReceived("file:x", true, at)
	obs.UpdateReceived("file:x", false, at)
	obs.TableBuilt(false, time.Millisecond)
	obs.TableBuilt(true, 50*time.Microsecond)
	obs.UpdateServed("file:x", at, at.Add(3*time.Millisecond))
	g := gather(t, r)
	if got := g.value(t, "skiff_routing_routes", "client", "", "state", "invalid"); got != 1 {
		t.Errorf("invalid %v", got)
	}
	if got := g.value(t, "skiff_routing_table_build_seconds", "kind", "incremental"); got != 1 {
		t.Errorf("builds %v", got)
	}
	if got := g.value(t, "skiff_routing_update_propagation_seconds", "client", "file:x"); got != 1 {
		t.Errorf("propagation %v", got)
	}
	if got := g.value(t, "skiff_dataclient_updates_total", "client", "file:x", "kind", "full"); got != 1 {
		t.Errorf("updates %v", got)
	}
	if got := g.value(t, "skiff_dataclient_last_update_timestamp_seconds", "client", "file:x"); got != 1700000000 {
		t.Errorf("last update %v", got)
	}
	if g.value(t, "skiff_routing_table_created_timestamp_seconds") == 0 {
		t.Error("no table time")
	}

	r.WatchRouting(fixedTables{tbl}, []dataclients.DataClient{namedClient{"nats", false}, plainClient{"file:x"}, plainClient{"file:y"}})
	g = gather(t, r)
	for _, c := range []struct {
		client string
		want   float64
	}{{"nats", 0}, {"file:x", 1}, {"file:y", 0}} {
		if got := g.value(t, "skiff_dataclient_connected", "client", c.client); got != c.want {
			t.Errorf("%s connected %v, want %v", c.client, got, c.want)
		}
	}
	if got := g.value(t, "skiff_routing_routes", "client", "file:y", "state", "valid"); got != 0 {
		t.Errorf("file:y valid %v", got)
	}
}

func TestBreakerAndAccessLogMetrics(t *testing.T) {
	r := New(Options{NoRuntime: true})
	g := gather(t, r)
	if g["skiff_breakers"] != nil {
		t.Error("breakers without a breaker registry")
	}
	r.WatchBreakers(func() int { return 3 })
	r.WatchAccessLog(func() uint64 { return 7 })
	r.BreakerStateChange("h", gobreaker.StateClosed, gobreaker.StateOpen)
	r.BreakerStateChange("h2", gobreaker.StateClosed, gobreaker.StateOpen)
	r.BreakerStateChange("h", gobreaker.StateOpen, gobreaker.StateHalfOpen)
	g = gather(t, r)
	for _, c := range []struct {
		state string
		want  float64
	}{{"closed", 1}, {"open", 1}, {"half-open", 1}} {
		if got := g.value(t, "skiff_breakers", "state", c.state); got != c.want {
			t.Errorf("%s: %v, want %v", c.state, got, c.want)
		}
	}
	if got := g.value(t, "skiff_breaker_state_changes_total", "to", "open"); got != 2 {
		t.Errorf("to open %v", got)
	}
	if got := g.value(t, "skiff_accesslog_dropped_total"); got != 7 {
		t.Errorf("dropped %v", got)
	}
}

// The exposition passes Prometheus' own lint (names, units, help), and
// the handler serves it with the runtime collectors.
func TestHandlerAndLint(t *testing.T) {
	r := New(Options{})
	tbl := build(t, r, healthcheck.New(healthcheck.Config{}), `a: * -> <shunt>;`)
	r.WatchRouting(fixedTables{tbl}, nil)
	tbl.Routes()[0].Metrics.Served("GET", 200, time.Millisecond)
	tbl.Routes()[0].Metrics.RoundTrip(time.Millisecond, routing.FailureTimeout)
	r.RoutingObserver().TableBuilt(false, time.Millisecond)
	problems, err := testutil.GatherAndLint(r.Prometheus())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "skiff_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	rsp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	for _, want := range []string{`skiff_requests_total{method="GET",route="a",status_class="2xx"} 1`, "go_goroutines", "process_cpu_seconds_total", `skiff_backend_errors_total{kind="timeout",route="a"} 1`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("no %s in\n%s", want, b)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}
