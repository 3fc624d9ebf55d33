package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/admin"
	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

const testRoutes = `
api:      Path("/api/:id") && Method("GET") -> "http://127.0.0.1:9001";
api_post: Path("/api/:id") && Method("POST") -> "http://127.0.0.1:9002";
api_v2:   Path("/api/:id") && Header("X-Version", "2") -> "http://127.0.0.1:9003";
home:     Path("/") -> <shunt>;
catchall: * -> "http://127.0.0.1:9004";
pool:     Path("/pool") -> <roundRobin, "http://127.0.0.1:9005", "http://127.0.0.1:9006">;
broken:   Path("/broken") -> noSuchFilter() -> <shunt>;
`

// pushClient is a data client whose updates the test sends.
type pushClient struct {
	name string
	ch   chan dataclients.Update
}

func (c *pushClient) Name() string { return c.name }

func (c *pushClient) Run(ctx context.Context, out chan<- dataclients.Update) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case u := <-c.ch:
			select {
			case out <- u:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

func parse(t testing.TB, text string) []*eskip.Route {
	t.Helper()
	rs, err := eskip.ParseDocument("routes.eskip", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// startRouting runs a Routing fed by one push client with routes, and
// returns it and the client, stopped at the end of the test.
func startRouting(t testing.TB, routes []*eskip.Route) (*routing.Routing, *pushClient) {
	t.Helper()
	c := &pushClient{name: "file:routes.eskip", ch: make(chan dataclients.Update, 1)}
	log := logrus.New()
	log.SetOutput(discard{})
	rt := routing.New(routing.Options{DataClients: []dataclients.DataClient{c}, Log: log, Coalesce: -1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rt.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	c.ch <- dataclients.Update{Reset: true, Upserts: routes}
	select {
	case <-rt.FirstLoad():
	case <-time.After(10 * time.Second):
		t.Fatal("routes not loaded")
	}
	return rt, c
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// fakeEndpoints lists the endpoints of route pool with states the test sets.
type fakeEndpoints struct {
	mu   sync.Mutex
	list []admin.EndpointView
}

func (f *fakeEndpoints) get() []admin.EndpointView {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]admin.EndpointView(nil), f.list...)
}

func getJSON(t *testing.T, h http.Handler, target string, v any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: Content-Type %q: %s", target, ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("%s: %v: %s", target, err, rec.Body)
	}
	return rec.Code
}

func newTestDashboard(t *testing.T) (*Dashboard, *routing.Routing, *pushClient, *fakeEndpoints) {
	rt, c := startRouting(t, parse(t, testRoutes))
	eps := &fakeEndpoints{list: []admin.EndpointView{
		{Address: "http://127.0.0.1:9005", Routes: []string{"pool"}, State: "healthy", FadeIn: 1},
		{Address: "http://127.0.0.1:9006", Routes: []string{"pool"}, State: "dead", Reason: "connection refused", FadeIn: 1},
	}}
	d := New(Options{Tables: rt, Endpoints: eps.get})
	return d, rt, c, eps
}

type routesAnswer struct {
	Total, Matched, Offset, Limit int
	Rates                         bool
	Rows                          []struct {
		Id, Source, Position, Text, Backend, Stale string
		Endpoints                                  *stateCount
		Rate                                       rates
		Series                                     *series
	}
}

func ids[T any](rows []T, id func(T) string) string {
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = id(r)
	}
	return strings.Join(s, ",")
}

func TestRoutesAPI(t *testing.T) {
	d, _, _, _ := newTestDashboard(t)
	var p routesAnswer
	if code := getJSON(t, d, "/dashboard/api/routes", &p); code != 200 {
		t.Fatalf("status %d", code)
	}
	if p.Total != 6 || p.Matched != 6 || len(p.Rows) != 6 || p.Rates {
		t.Fatalf("page %+v", p)
	}
	rowID := func(r struct {
		Id, Source, Position, Text, Backend, Stale string
		Endpoints                                  *stateCount
		Rate                                       rates
		Series                                     *series
	}) string {
		return r.Id
	}
	if got := ids(p.Rows, rowID); got != "api,api_post,api_v2,catchall,home,pool" {
		t.Errorf("rows %s", got)
	}
	api := p.Rows[0]
	if api.Source != "file:routes.eskip" || api.Position != "routes.eskip:2:1" || api.Backend != "network" ||
		!strings.Contains(api.Text, `Path("/api/:id")`) {
		t.Errorf("api row %+v", api)
	}
	pool := p.Rows[5]
	if pool.Backend != "load-balanced" || pool.Endpoints == nil || *pool.Endpoints != (stateCount{Total: 2, Healthy: 1}) {
		t.Errorf("pool row %+v %+v", pool, pool.Endpoints)
	}

	for _, tc := range []struct{ query, want string }{
		{"q=API", "api,api_post,api_v2"},
		{"q=post+9002", "api_post"},
		{"q=x-version", "api_v2"},
		{"q=routes.eskip:5", "home"},
		{"q=file:routes", "api,api_post,api_v2,catchall,home,pool"},
		{"q=roundrobin", "pool"},
		{"q=nothing-like-it", ""},
		{"offset=2&limit=2", "api_v2,catchall"},
		{"offset=100", ""},
		{"q=api&offset=1&limit=1", "api_post"},
	} {
		var p routesAnswer
		getJSON(t, d, "/dashboard/api/routes?"+tc.query, &p)
		if got := ids(p.Rows, rowID); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.query, got, tc.want)
		}
	}
	for _, bad := range []string{"offset=-1", "limit=0", "limit=x", "sort=weird"} {
		var e apiError
		if code := getJSON(t, d, "/dashboard/api/routes?"+bad, &e); code != 400 || e.Error == "" {
			t.Errorf("%s: %d %q", bad, code, e.Error)
		}
	}
	var e apiError
	if code := getJSON(t, d, "/dashboard/api/nope", &e); code != 404 {
		t.Errorf("unknown API: %d", code)
	}
}

func TestRoutesAPIRatesAndSort(t *testing.T) {
	rt, _ := startRouting(t, parse(t, testRoutes))
	var mu sync.Mutex
	cur := map[string]RouteCount{}
	set := func(m map[string]RouteCount) { mu.Lock(); cur = m; mu.Unlock() }
	counter := CountsFunc(func() map[string]RouteCount {
		mu.Lock()
		defer mu.Unlock()
		return cur
	})
	now := time.Unix(1700000000, 0)
	var clock sync.Mutex
	d := New(Options{Tables: rt, Counts: counter, Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }})
	d.sample()
	set(map[string]RouteCount{"home": {100, 0}, "api_v2": {50, 40}, "api": {10, 0}})
	clock.Lock()
	now = now.Add(5 * time.Second)
	clock.Unlock()
	d.sample()

	var p routesAnswer
	getJSON(t, d, "/dashboard/api/routes?sort=rps&limit=3", &p)
	if !p.Rates || len(p.Rows) != 3 || p.Rows[0].Id != "home" || p.Rows[1].Id != "api_v2" || p.Rows[2].Id != "api" {
		t.Fatalf("by rps: %+v", p)
	}
	if p.Rows[0].Rate != (rates{20, 0}) || p.Rows[1].Rate != (rates{10, 8}) {
		t.Errorf("rates %+v %+v", p.Rows[0].Rate, p.Rows[1].Rate)
	}
	if s := p.Rows[1].Series; s == nil || len(s.Requests) != 1 || s.Errors[0] != 8 {
		t.Errorf("series %+v", s)
	}
	getJSON(t, d, "/dashboard/api/routes?sort=eps&limit=1", &p)
	if p.Rows[0].Id != "api_v2" {
		t.Errorf("by eps: %s first", p.Rows[0].Id)
	}

	var s summaryView
	getJSON(t, d, "/dashboard/api/summary", &s)
	if !s.Rates || s.Total != (rates{32, 8}) || len(s.Busiest) != 3 || s.Busiest[0].Id != "home" ||
		len(s.Failing) != 1 || s.Failing[0].Id != "api_v2" || len(s.Series.At) != 1 {
		t.Errorf("summary %+v", s)
	}
}

func TestInvalidAPI(t *testing.T) {
	d, _, c, _ := newTestDashboard(t)
	var p invalidPage
	getJSON(t, d, "/dashboard/api/invalid", &p)
	if p.Total != 1 || len(p.Rows) != 1 {
		t.Fatalf("invalid %+v", p)
	}
	r := p.Rows[0]
	if r.Id != "broken" || r.Source != "file:routes.eskip" || r.Position != "routes.eskip:8:1" ||
		r.Reason != routing.ReasonUnknownFilter || !strings.Contains(r.Error, "noSuchFilter") || r.Stale {
		t.Errorf("row %+v", r)
	}
	getJSON(t, d, "/dashboard/api/invalid?q=nosuchfilter", &p)
	if p.Matched != 1 {
		t.Errorf("search by error: %+v", p)
	}
	getJSON(t, d, "/dashboard/api/invalid?q=zzz", &p)
	if p.Matched != 0 || p.Rows == nil {
		t.Errorf("search without match: %+v", p)
	}

	// A new version of home with an unknown filter: the table keeps the
	// old one, both lists say so.
	c.ch <- dataclients.Update{Upserts: parse(t, `home: Path("/") -> alsoMissing() -> <shunt>;`)}
	waitFor(t, func() bool {
		getJSON(t, d, "/dashboard/api/invalid?q=home", &p)
		return p.Matched == 1
	})
	if !p.Rows[0].Stale {
		t.Errorf("not stale: %+v", p.Rows[0])
	}
	var rp routesAnswer
	getJSON(t, d, "/dashboard/api/routes?q=home", &rp)
	if len(rp.Rows) != 1 || !strings.Contains(rp.Rows[0].Stale, "alsoMissing") {
		t.Errorf("stale route row %+v", rp.Rows)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEndpointsAPI(t *testing.T) {
	d, _, _, eps := newTestDashboard(t)
	var p endpointsPage
	getJSON(t, d, "/dashboard/api/endpoints", &p)
	if p.Total != 2 || len(p.Rows) != 2 || p.Rows[0].State != "dead" || p.Rows[0].Reason != "connection refused" ||
		p.States["dead"] != 1 || p.States["healthy"] != 1 {
		t.Fatalf("endpoints %+v", p)
	}
	getJSON(t, d, "/dashboard/api/endpoints?state=healthy", &p)
	if len(p.Rows) != 1 || p.Rows[0].Address != "http://127.0.0.1:9005" {
		t.Errorf("healthy: %+v", p.Rows)
	}
	getJSON(t, d, "/dashboard/api/endpoints?q=refused", &p)
	if len(p.Rows) != 1 || p.Rows[0].Address != "http://127.0.0.1:9006" {
		t.Errorf("search: %+v", p.Rows)
	}
	var e apiError
	if code := getJSON(t, d, "/dashboard/api/endpoints?state=zombie", &e); code != 400 {
		t.Errorf("bad state: %d", code)
	}

	// The list is cached for a second, then read again.
	eps.mu.Lock()
	eps.list[1].State, eps.list[1].FadeIn = "healthy", 0.25
	routes := make([]string, 30)
	for i := range routes {
		routes[i] = fmt.Sprint("r", i)
	}
	eps.list[0].Routes = routes
	eps.mu.Unlock()
	d.epMu.Lock()
	d.epAt = d.epAt.Add(-time.Second)
	d.epMu.Unlock()
	getJSON(t, d, "/dashboard/api/endpoints?state=fading", &p)
	if len(p.Rows) != 1 || p.Rows[0].FadeIn != 0.25 || p.States["fading"] != 1 {
		t.Errorf("fading: %+v", p)
	}
	getJSON(t, d, "/dashboard/api/endpoints?q=9005", &p)
	if len(p.Rows) != 1 || len(p.Rows[0].Routes) != maxEndpointRoutes || p.Rows[0].RouteCount != 30 {
		t.Errorf("routes of a shared endpoint: %+v", p.Rows)
	}
}

func TestExplainAPI(t *testing.T) {
	d, _, _, _ := newTestDashboard(t)
	explain := func(q url.Values) explainView {
		t.Helper()
		var v explainView
		if code := getJSON(t, d, "/dashboard/api/explain?"+q.Encode(), &v); code != 200 {
			t.Fatalf("%v: %d", q, code)
		}
		return v
	}
	v := explain(url.Values{"method": {"post"}, "url": {"/api/42"}})
	if v.Route == nil || v.Route.Id != "api_post" || v.Method != "POST" || v.Host != "localhost" || v.Path != "/api/42" {
		t.Fatalf("explain %+v", v)
	}
	if len(v.Params) != 1 || v.Params[0] != (explainParam{"id", "42"}) {
		t.Errorf("params %+v", v.Params)
	}
	byID := map[string]verdictView{}
	for _, vd := range v.Verdicts {
		byID[vd.Id] = vd
	}
	if vd := byID["api"]; vd.Outcome != "failed" || vd.Failed != `Method("GET")` || !strings.Contains(vd.Reason, "method is POST") {
		t.Errorf("api verdict %+v", vd)
	}
	if vd := byID["catchall"]; vd.Outcome != "outranked" || vd.By != "has path" || vd.Tried {
		t.Errorf("catchall verdict %+v", vd)
	}
	if vd := byID["api_post"]; vd.Outcome != "won" || vd.Position != "routes.eskip:3:1" {
		t.Errorf("winner verdict %+v", vd)
	}
	if v.Counts["won"] != 1 || v.Invalid != 1 {
		t.Errorf("counts %v, invalid %d", v.Counts, v.Invalid)
	}

	v = explain(url.Values{"method": {"PUT"}, "url": {"http://example.org/api/7"}, "headers": {"X-Version: 2\r\nHost: other.example"}})
	if v.Route == nil || v.Route.Id != "api_v2" || v.Host != "other.example" {
		t.Errorf("with headers: %+v", v.Route)
	}
	v = explain(url.Values{"url": {"/nothing/here"}})
	if v.Route == nil || v.Route.Id != "catchall" {
		t.Errorf("catchall: %+v", v.Route)
	}
	for _, bad := range []url.Values{{"url": {""}}, {"url": {"/x"}, "headers": {"no colon"}}, {"url": {"/x"}, "method": {"BAD METHOD"}}} {
		var e apiError
		if code := getJSON(t, d, "/dashboard/api/explain?"+bad.Encode(), &e); code != 400 || e.Error == "" {
			t.Errorf("%v: %d %q", bad, code, e.Error)
		}
	}
}

// Many candidates: the answer is bounded and the winner is in it.
func TestExplainBounded(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "r%04d: Header(\"X-N\", \"%d\") -> <shunt>;\n", i, i)
	}
	for i := range 50 {
		fmt.Fprintf(&b, "h%02d: Host(/^h%d[.]example$/) -> <shunt>;\n", i, i)
	}
	rt, _ := startRouting(t, parse(t, b.String()))
	d := New(Options{Tables: rt})
	var v explainView
	getJSON(t, d, "/dashboard/api/explain?url=/x&h=X-N:+700", &v)
	if v.Route == nil || v.Route.Id != "r0700" {
		t.Fatalf("winner %+v", v.Route)
	}
	if len(v.Verdicts) != maxVerdicts+1 || v.Verdicts[maxVerdicts].Id != "r0700" || v.Hidden != 1050-len(v.Verdicts)-0 {
		t.Errorf("%d verdicts, hidden %d, last %s", len(v.Verdicts), v.Hidden, v.Verdicts[len(v.Verdicts)-1].Id)
	}
	if v.Counts["other host"] != 50 || v.Counts["failed"] != 999 {
		t.Errorf("counts %v", v.Counts)
	}
}

func TestPageAndAssets(t *testing.T) {
	d, _, _, _ := newTestDashboard(t)
	for _, tc := range []struct {
		method, target string
		code           int
		ctype, body    string
	}{
		{"GET", "/dashboard", 302, "", ""},
		{"GET", "/dashboard/", 200, "text/html", `<script src="app.js"`},
		{"GET", "/dashboard/app.js", 200, "text/javascript", "use strict"},
		{"GET", "/dashboard/app.css", 200, "text/css", ":root"},
		{"GET", "/dashboard/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"HEAD", "/dashboard/", 200, "text/html", ""},
		{"GET", "/dashboard/nope.js", 404, "", ""},
		{"GET", "/dashboardx", 404, "", ""},
		{"POST", "/dashboard/", 405, "", ""},
		{"POST", "/dashboard/api/explain?url=/", 405, "", ""},
	} {
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, nil))
		if rec.Code != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.target, rec.Code, tc.code)
			continue
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.ctype) || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%s %s: %q %.80q", tc.method, tc.target, rec.Header().Get("Content-Type"), rec.Body)
		}
		if tc.code == 200 && !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: no CSP", tc.target)
		}
		if tc.code == 302 && rec.Header().Get("Location") != "/dashboard/" {
			t.Errorf("redirect to %q", rec.Header().Get("Location"))
		}
	}
	// Mounted elsewhere.
	d2 := New(Options{Tables: d.o.Tables, Prefix: "/ops/board/"})
	rec := httptest.NewRecorder()
	d2.ServeHTTP(rec, httptest.NewRequest("GET", "/ops/board/api/summary", nil))
	if rec.Code != 200 {
		t.Errorf("prefixed: %d", rec.Code)
	}
}

// The page uses no inline script or style (the CSP forbids them) and
// loads nothing from another origin.
func TestAssetsSelfContained(t *testing.T) {
	allowed := strings.NewReplacer(`"http://www.w3.org/2000/svg"`, "", "http://example.org", "", `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, name := range []string{"assets/index.html", "assets/app.js", "assets/app.css", "assets/favicon.svg"} {
		b, err := assetFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := allowed.Replace(string(b))
		for _, bad := range []string{"http://", "https://", "//cdn", "<style", " style=", "onclick=", "onload=", "innerHTML", "eval(", "@import"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
	html, _ := assetFS.ReadFile("assets/index.html")
	if n := strings.Count(string(html), "<script"); n != 1 || !strings.Contains(string(html), `<script src="app.js" defer></script>`) {
		t.Errorf("index.html: want exactly one external script, have %d", n)
	}
}

func TestUpdates(t *testing.T) {
	rt, c := startRouting(t, parse(t, testRoutes))
	d := New(Options{Tables: rt})
	d.sample()
	d.sample() // the same table: noted once
	var u struct {
		Hooked  bool
		Updates []updateView
	}
	getJSON(t, d, "/dashboard/api/updates", &u)
	if u.Hooked || len(u.Updates) != 1 || !u.Updates[0].Observed || u.Updates[0].Valid != 6 || u.Updates[0].Invalid != 1 || u.Updates[0].Changed != -1 {
		t.Fatalf("first table: %+v", u)
	}
	var rp routesAnswer
	getJSON(t, d, "/dashboard/api/routes?q=/home", &rp) // builds the search index
	if rp.Matched != 0 {
		t.Fatalf("/home before the update: %+v", rp)
	}
	first := rt.Acquire()
	first.Release()
	c.ch <- dataclients.Update{Upserts: parse(t, `extra: Path("/extra") -> <shunt>; home: Path("/home") -> <shunt>;`), Deletes: []string{"api"}}
	waitFor(t, func() bool { t2 := rt.Acquire(); defer t2.Release(); return t2 != first })
	d.sample()
	u.Updates = nil
	getJSON(t, d, "/dashboard/api/updates", &u)
	if len(u.Updates) != 2 || u.Updates[0].Changed != 3 || u.Updates[0].Valid != 6 {
		t.Fatalf("second table: %+v", u.Updates)
	}
	// The index of the new table has the new text, and the old text of
	// the routes that did not change.
	getJSON(t, d, "/dashboard/api/routes?q=/home", &rp)
	if rp.Matched != 1 || rp.Rows[0].Id != "home" {
		t.Errorf("/home after the update: %+v", rp)
	}
	getJSON(t, d, "/dashboard/api/routes?q=9002", &rp)
	if rp.Matched != 1 || rp.Rows[0].Id != "api_post" {
		t.Errorf("9002 after the update: %+v", rp)
	}

}

// recorder is an observer that counts what it is told.
type recorder struct {
	mu                      sync.Mutex
	received, built, served int
}

func (r *recorder) UpdateReceived(string, bool, time.Time) { r.mu.Lock(); r.received++; r.mu.Unlock() }
func (r *recorder) TableBuilt(bool, time.Duration)         { r.mu.Lock(); r.built++; r.mu.Unlock() }
func (r *recorder) UpdateServed(string, time.Time, time.Time) {
	r.mu.Lock()
	r.served++
	r.mu.Unlock()
}

// With Updates as routing's observer, the list has each build's updates
// per data client, and routing's other observer is told everything.
func TestUpdatesObserved(t *testing.T) {
	inner := &recorder{}
	ups := NewUpdates(inner)
	c := &pushClient{name: "etcd", ch: make(chan dataclients.Update, 1)}
	log := logrus.New()
	log.SetOutput(discard{})
	rt := routing.New(routing.Options{DataClients: []dataclients.DataClient{c}, Log: log, Coalesce: -1, Observer: ups})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rt.Run(ctx) }()
	defer func() { cancel(); <-done }()
	d := New(Options{Tables: rt, Updates: ups})

	type answer struct {
		Hooked  bool
		Updates []updateView
	}
	list := func() answer {
		var u answer
		getJSON(t, d, "/dashboard/api/updates", &u)
		return u
	}
	c.ch <- dataclients.Update{Reset: true, Upserts: parse(t, testRoutes)}
	waitFor(t, func() bool { return len(list().Updates) == 1 })
	u := list()
	if !u.Hooked {
		t.Error("not hooked")
	}
	first := u.Updates[0]
	if first.Client != "etcd" || !first.Full || first.Updates != 1 || first.Build == "" || first.Valid != 6 || first.Invalid != 1 || first.Observed {
		t.Errorf("first update %+v", first)
	}
	c.ch <- dataclients.Update{Upserts: parse(t, `extra: Path("/extra") -> <shunt>;`)}
	waitFor(t, func() bool { return len(list().Updates) == 2 })
	second := list().Updates[0]
	if second.Full || second.Build != "incremental" || second.Valid != 7 || second.LatencyMs <= 0 || second.LatencyMs > 10_000 {
		t.Errorf("second update %+v", second)
	}
	inner.mu.Lock()
	if inner.received != 2 || inner.built != 2 || inner.served != 2 {
		t.Errorf("inner observer: %+v", inner)
	}
	inner.mu.Unlock()

	var s summaryView
	getJSON(t, d, "/dashboard/api/summary", &s)
	if !s.Hooked || len(s.Updates) != 2 || s.Updates[0].Valid != 7 {
		t.Errorf("summary %+v", s.Updates)
	}
}

// The updates of one build are one entry per client; an update that
// builds no table has no build; sizes are those of the table serving it.
func TestUpdatesMerged(t *testing.T) {
	ups := NewUpdates(nil)
	t0 := time.Unix(1700000000, 0)
	ups.UpdateReceived("a", true, t0)
	ups.UpdateReceived("a", false, t0.Add(time.Millisecond))
	ups.UpdateReceived("b", false, t0.Add(2*time.Millisecond))
	ups.TableBuilt(false, 3*time.Millisecond)
	served := t0.Add(10 * time.Millisecond)
	ups.UpdateServed("a", t0, served)
	ups.UpdateServed("a", t0.Add(time.Millisecond), served)
	ups.UpdateServed("b", t0.Add(2*time.Millisecond), served)
	// Next: an endpoint-only change, no table built.
	ups.UpdateReceived("b", false, t0.Add(time.Second))
	ups.UpdateServed("b", t0.Add(time.Second), t0.Add(time.Second+time.Millisecond))
	l := ups.list()
	if len(l) != 3 {
		t.Fatalf("%d entries: %+v", len(l), l)
	}
	a, b, b2 := l[2], l[1], l[0]
	if a.Client != "a" || a.Updates != 2 || !a.Full || a.LatencyMs != 10 || a.Build != "full" || a.BuildMs != 3 || a.Valid != -1 {
		t.Errorf("a %+v", a)
	}
	if b.Client != "b" || b.Updates != 1 || b.Full || b.LatencyMs != 8 || b.Build != "full" {
		t.Errorf("b %+v", b)
	}
	if b2.Build != "" || b2.LatencyMs != 1 {
		t.Errorf("b2 %+v", b2)
	}
	if len(ups.full) != 0 {
		t.Errorf("full updates left: %v", ups.full)
	}
	for i := range maxReceived + 10 {
		ups.UpdateReceived("c", true, t0.Add(time.Duration(i)))
	}
	if len(ups.full) > maxReceived {
		t.Errorf("%d full updates kept", len(ups.full))
	}
	for i := range 2 * maxUpdates {
		ups.UpdateServed("d", t0, t0.Add(time.Duration(i)))
	}
	if n := len(ups.list()); n != maxUpdates {
		t.Errorf("%d updates kept", n)
	}
}

// Run samples until its context ends and leaves no goroutine behind
// (TestMain checks).
func TestRun(t *testing.T) {
	rt, _ := startRouting(t, parse(t, testRoutes))
	var mu sync.Mutex
	var n uint64
	d := New(Options{Tables: rt, Interval: 10 * time.Millisecond, Counts: CountsFunc(func() map[string]RouteCount {
		mu.Lock()
		defer mu.Unlock()
		n += 10
		return map[string]RouteCount{"home": {n, 0}}
	})})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	waitFor(t, func() bool { r, _ := d.sampler.recentRates(); return r["home"].Requests > 0 })
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if d.o.Window != DefaultWindow {
		t.Errorf("window %v", d.o.Window)
	}
}

// fakeBalancer is a pool that takes endpoint lists in place.
type fakeBalancer struct {
	mu  sync.Mutex
	eps []routing.LBEndpoint
}

func (b *fakeBalancer) Endpoints() []routing.LBEndpoint {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.eps
}

func (b *fakeBalancer) UpdateEndpoints(eps []routing.LBEndpoint) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.eps = eps
	return true
}

type poolMaker struct{}

func (poolMaker) Do(rs []*routing.Route) ([]*routing.Route, []routing.InvalidRoute) {
	for _, r := range rs {
		if r.BackendType == eskip.LBBackend && r.Balancer == nil {
			r.Balancer = &fakeBalancer{eps: r.LBEndpoints}
		}
	}
	return rs, nil
}

// A load-balanced route shows, and is found by, the endpoints its pool
// uses now, also after an endpoint-only update that built no table.
func TestRoutesShowLiveEndpoints(t *testing.T) {
	c := &pushClient{name: "nats", ch: make(chan dataclients.Update, 1)}
	log := logrus.New()
	log.SetOutput(discard{})
	rt := routing.New(routing.Options{DataClients: []dataclients.DataClient{c}, Log: log, Coalesce: -1,
		BuildOptions: routing.BuildOptions{PostProcessors: []routing.PostProcessor{poolMaker{}}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rt.Run(ctx) }()
	defer func() { cancel(); <-done }()
	c.ch <- dataclients.Update{Reset: true, Upserts: parse(t, `pool: Path("/pool") -> <roundRobin, "http://127.0.0.1:9005", "http://127.0.0.1:9006">;`)}
	<-rt.FirstLoad()
	d := New(Options{Tables: rt})
	var p routesAnswer
	getJSON(t, d, "/dashboard/api/routes?q=9006", &p)
	if p.Matched != 1 {
		t.Fatalf("before: %+v", p)
	}
	c.ch <- dataclients.Update{Upserts: parse(t, `pool: Path("/pool") -> <roundRobin, "http://127.0.0.1:9005", "http://127.0.0.1:9007">;`)}
	waitFor(t, func() bool {
		getJSON(t, d, "/dashboard/api/routes?q=9007", &p)
		return p.Matched == 1
	})
	if !strings.Contains(p.Rows[0].Text, `"http://127.0.0.1:9007"`) || strings.Contains(p.Rows[0].Text, "9006") {
		t.Errorf("text %s", p.Rows[0].Text)
	}
	var v explainView
	getJSON(t, d, "/dashboard/api/explain?url=/pool", &v)
	if v.Route == nil || !strings.Contains(v.Route.Text, "9007") {
		t.Errorf("explained route %+v", v.Route)
	}
}
