package e2e

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/filters"
)

// scrape reads /metrics from the support listener.
func (in *instance) scrape(t *testing.T) string {
	t.Helper()
	rsp, err := in.client.Get(in.support + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if rsp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", rsp.StatusCode, b)
	}
	return string(b)
}

// sample finds the value of the series name with exactly these labels
// (name, value pairs) in a text exposition, and whether it is there.
func sample(exposition, name string, labels ...string) (float64, bool) {
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for line := range strings.SplitSeq(exposition, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		series, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		n, set, _ := strings.Cut(series, "{")
		if n != name {
			continue
		}
		got := map[string]string{}
		for kv := range strings.SplitSeq(strings.TrimSuffix(set, "}"), ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				got[k] = strings.Trim(v, `"`)
			}
		}
		if len(got) != len(want) {
			continue
		}
		match := true
		for k, v := range want {
			if got[k] != v {
				match = false
			}
		}
		if match {
			f, err := strconv.ParseFloat(value, 64)
			return f, err == nil
		}
	}
	return 0, false
}

func mustSample(t *testing.T, exposition, name string, labels ...string) float64 {
	t.Helper()
	v, ok := sample(exposition, name, labels...)
	if !ok {
		t.Fatalf("no %s%v in /metrics", name, labels)
	}
	return v
}

// TestMetrics runs skiff with a routes file and checks /metrics after
// requests: per-route counts, backend errors, rate-limit rejections,
// routing, data client and endpoint gauges, the Go runtime.
func TestMetrics(t *testing.T) {
	be := newBackend(t, "be", nil)
	dead := deadAddress(t)
	in := start(t, routes(
		`ok: Path("/ok") -> "`+be.URL+`";`,
		`down: Path("/down") -> "http://`+dead+`";`,
		`lb: Path("/lb") -> <roundRobin, "http://`+dead+`", "`+be.URL+`">;`,
		`limited: Path("/limited") -> clientRatelimit(1, "1h") -> "`+be.URL+`";`,
		`broken: Path("/broken") -> noSuchFilter() -> "`+be.URL+`";`,
	), skiff.Options{EnableRatelimits: true})
	client := "file:" + in.routesFile

	for range 3 {
		in.get(t, "/ok")
	}
	in.do(t, "POST", "/ok")
	in.get(t, "/down")
	for range 2 {
		in.get(t, "/lb")
	}
	in.get(t, "/limited")
	in.get(t, "/limited")
	in.get(t, "/nowhere")

	m := in.scrape(t)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"skiff_requests_total", []string{"method", "GET", "route", "ok", "status_class", "2xx"}, 3},
		{"skiff_requests_total", []string{"method", "POST", "route", "ok", "status_class", "2xx"}, 1},
		{"skiff_requests_total", []string{"method", "GET", "route", "down", "status_class", "5xx"}, 1},
		{"skiff_requests_total", []string{"method", "GET", "route", "lb", "status_class", "2xx"}, 2},
		{"skiff_requests_total", []string{"method", "GET", "route", "limited", "status_class", "4xx"}, 1},
		{"skiff_requests_total", []string{"method", "GET", "route", "(none)", "status_class", "4xx"}, 1},
		{"skiff_request_duration_seconds_count", []string{"route", "ok"}, 4},
		{"skiff_backend_errors_total", []string{"kind", "dial", "route", "down"}, 1},
		{"skiff_backend_errors_total", []string{"kind", "dial", "route", "lb"}, 1},
		{"skiff_backend_duration_seconds_count", []string{"route", "lb"}, 3},
		{"skiff_ratelimit_rejections_total", []string{"route", "limited"}, 1},
		{"skiff_routing_routes", []string{"client", client, "state", "valid"}, 4},
		{"skiff_routing_routes", []string{"client", client, "state", "invalid"}, 1},
		{"skiff_dataclient_connected", []string{"client", client}, 1},
		{"skiff_dataclient_updates_total", []string{"client", client, "kind", "full"}, 1},
		{"skiff_endpoints", []string{"state", "dead"}, 1},
		{"skiff_endpoints", []string{"state", "healthy"}, 1},
		{"skiff_metrics_routes", nil, 4},
	} {
		if got := mustSample(t, m, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, name := range []string{"skiff_routing_table_build_seconds_count", "go_goroutines", "process_resident_memory_bytes", "skiff_accesslog_dropped_total"} {
		if !strings.Contains(m, "\n"+name) {
			t.Errorf("no %s", name)
		}
	}
	if v := mustSample(t, m, "skiff_dataclient_last_update_timestamp_seconds", "client", client); v < 1e9 {
		t.Errorf("last update %v", v)
	}
	before := mustSample(t, m, "skiff_routing_update_propagation_seconds_count", "client", client)

	// A change to the file serves, and is measured.
	writeFile(t, in.routesFile, routes(`ok: Path("/ok") -> "`+be.URL+`";`, `added: Path("/added") -> "`+be.URL+`";`))
	waitFor(t, func() bool { return in.get(t, "/added").status == 200 })
	m = in.scrape(t)
	if after := mustSample(t, m, "skiff_routing_update_propagation_seconds_count", "client", client); after <= before {
		t.Errorf("propagation count %v after the change, %v before", after, before)
	}
	if got := mustSample(t, m, "skiff_routing_routes", "client", client, "state", "valid"); got != 2 {
		t.Errorf("valid routes after the change: %v", got)
	}
	// The route that is gone keeps its series until the next look at the
	// table (at most 10 s later); the one that stayed keeps counting.
	if got := mustSample(t, m, "skiff_requests_total", "method", "GET", "route", "ok", "status_class", "2xx"); got != 3 {
		t.Errorf("ok after the change: %v", got)
	}
}

// Beyond -metrics-max-routes routes share route="other"; RouteCounts
// would show the same.
func TestMetricsMaxRoutes(t *testing.T) {
	be := newBackend(t, "be", nil)
	var lines []string
	for i := range 5 {
		lines = append(lines, fmt.Sprintf(`r%d: Path("/r%d") -> "%s";`, i, i, be.URL))
	}
	in := start(t, routes(lines...), skiff.Options{MetricsMaxRoutes: 2})
	for i := range 5 {
		in.get(t, fmt.Sprintf("/r%d", i))
	}
	m := in.scrape(t)
	own := 0
	for i := range 5 {
		if _, ok := sample(m, "skiff_requests_total", "method", "GET", "route", fmt.Sprintf("r%d", i), "status_class", "2xx"); ok {
			own++
		}
	}
	other, _ := sample(m, "skiff_requests_total", "method", "GET", "route", "other", "status_class", "2xx")
	if own != 2 || other != 3 {
		t.Errorf("%d routes with their own series, %v requests as other; want 2 and 3", own, other)
	}
	if got := mustSample(t, m, "skiff_metrics_routes_limit"); got != 2 {
		t.Errorf("limit %v", got)
	}
}

func TestMetricsDisabled(t *testing.T) {
	be := newBackend(t, "be", nil)
	in := start(t, routes(`ok: * -> "`+be.URL+`";`), skiff.Options{DisableMetrics: true})
	in.get(t, "/")
	rsp, err := in.client.Get(in.support + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	rsp.Body.Close()
	if rsp.StatusCode != 404 {
		t.Errorf("/metrics with metrics off: %d", rsp.StatusCode)
	}
}

// countingSpec is a filter that records metrics of its own, as a custom
// filter of an embedding program would.
type countingSpec struct{}

func (countingSpec) Name() string                               { return "countMe" }
func (countingSpec) CreateFilter([]any) (filters.Filter, error) { return countingSpec{}, nil }
func (countingSpec) Request(ctx filters.FilterContext) {
	m := ctx.Metrics()
	m.IncCounter("e2e.requests")
	m.IncCounterBy("e2e.weight", 5)
	m.IncFloatCounterBy("e2e.share", 0.5)
	m.MeasureSince("e2e.time", time.Now().Add(-20*time.Millisecond))
}
func (countingSpec) Response(filters.FilterContext) {}

// What filters record through FilterContext.Metrics is exported by key,
// for custom filters and built-in ones (admissionControl) alike.
func TestFilterMetrics(t *testing.T) {
	be := newBackend(t, "be", nil)
	in := start(t, routes(
		`counted: Path("/counted") -> countMe() -> "`+be.URL+`";`,
		`admission: Path("/admission") -> admissionControl("e2e", "inactive", "1s", 5, 10, 0.95, 0.9, 0.5) -> "`+be.URL+`";`,
	), skiff.Options{CustomFilters: []filters.Spec{countingSpec{}}})
	for range 2 {
		if got := in.get(t, "/counted").status; got != 200 {
			t.Fatalf("status %d", got)
		}
	}
	in.get(t, "/admission")
	m := in.scrape(t)
	for _, c := range []struct {
		name, key string
		want      float64
	}{
		{"skiff_custom_total", "e2e.requests", 2},
		{"skiff_custom_total", "e2e.weight", 10},
		{"skiff_custom_total", "e2e.share", 1},
		{"skiff_custom_duration_seconds_count", "e2e.time", 2},
		{"skiff_custom_total", "shedder.admission_control.total.e2e", 1},
	} {
		if got := mustSample(t, m, c.name, "key", c.key); got != c.want {
			t.Errorf("%s{key=%q} = %v, want %v", c.name, c.key, got, c.want)
		}
	}
	if got := mustSample(t, m, "skiff_custom_duration_seconds_sum", "key", "e2e.time"); got < 0.04 {
		t.Errorf("e2e.time sum %v, want at least 2 × 20 ms", got)
	}
}
