package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/filters/scheduler"
)

// schedulerRig is skiff with the load-shedding filters registered as
// custom filters on a registry of the test's, in front of a backend that
// holds /hold until the test sends on gate, and streams /stream: "first",
// then "last" once the test sends on gate.
type schedulerRig struct {
	in   *instance
	reg  *scheduler.Registry
	be   *backend
	gate chan struct{}
}

func schedulerStart(t *testing.T, routeFile string) *schedulerRig {
	t.Helper()
	r := &schedulerRig{reg: scheduler.NewRegistry(scheduler.Options{}), gate: make(chan struct{})}
	r.be = newBackend(t, "be", func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/hold":
			select {
			case <-r.gate:
			case <-req.Context().Done():
			}
		case "/stream":
			io.WriteString(w, "first")
			w.(http.Flusher).Flush()
			select {
			case <-r.gate:
			case <-req.Context().Done():
			}
			io.WriteString(w, "last")
			return
		}
		io.WriteString(w, "from be\n")
	})
	specs := append(scheduler.Specs(r.reg), scheduler.BackendRatelimitSpec(r.reg))
	r.in = start(t, strings.ReplaceAll(routeFile, "BE", r.be.URL), skiff.Options{CustomFilters: specs})
	// Run is stopped by a cleanup registered before this one, which runs
	// after it: close the registry last.
	t.Cleanup(func() { r.reg.Close() })
	return r
}

// rewrite replaces the routes file, BE standing for the backend.
func (r *schedulerRig) rewrite(t *testing.T, routeFile string) {
	t.Helper()
	writeFile(t, r.in.routesFile, strings.ReplaceAll(routeFile, "BE", r.be.URL))
}

func (r *schedulerRig) queue(kind, name string) scheduler.QueueStats {
	for _, q := range r.reg.Snapshot().Queues {
		if q.Kind == kind && q.Name == name {
			return q
		}
	}
	return scheduler.QueueStats{}
}

// schedulerGo sends a GET in the background.
func schedulerGo(in *instance, path string) chan response {
	ch := make(chan response, 1)
	go func() {
		rsp, err := in.client.Get(in.url + path)
		if err != nil {
			ch <- response{status: -1, body: err.Error()}
			return
		}
		defer rsp.Body.Close()
		b, _ := io.ReadAll(rsp.Body)
		ch <- response{rsp.StatusCode, rsp.Header, string(b), rsp.Proto}
	}()
	return ch
}

// TestSchedulerSkipperRoutes: skipper's reference examples load; the
// arguments skipper refuses make the route invalid, naming the filter.
func TestSchedulerSkipperRoutes(t *testing.T) {
	r := schedulerStart(t, routes(
		`fifo: Path("/fifo") -> fifo(100, 150, "10s") -> "BE";`,
		`fifoWithBody: Path("/fifoWithBody") -> fifoWithBody(100, 150, "10s") -> "BE";`,
		`lifo: Path("/lifo") -> lifo(100, 150, "10s") -> "BE";`,
		`lifoDefaults: Path("/lifoDefaults") -> lifo() -> "BE";`,
		`lifoWithBody: Path("/lifoWithBody") -> lifoWithBody(100, 150, "10s") -> "BE";`,
		`lifoGroup: Path("/lifoGroup") -> lifoGroup("mygroup", 100, 150, "10s") -> "BE";`,
		`lifoGroupName: Path("/lifoGroupName") -> lifoGroup("mygroup") -> "BE";`,
		`lifoGroupWithBody: Path("/lifoGroupWithBody") -> lifoGroupWithBody("mygroup", 100, 150, "10s") -> "BE";`,
		`admissionControl: Path("/admissionControl") -> admissionControl("myapp", "active", "1s", 5, 10, 0.95, 0.9, 0.5) -> "BE";`,
		`foo: Path("/foo") -> backendRatelimit("foobar", 100, "1s") -> <"BE", "BE">;`,
		`baz: Path("/baz") -> backendRatelimit("baz", 100, "1s", 429) -> "BE";`,
		`badFifo: Path("/b1") -> fifo(0, 150, "10s") -> "BE";`,
		`badFifoCount: Path("/b2") -> fifo(100, 150) -> "BE";`,
		`badLifo: Path("/b3") -> lifo(100, 150, 10) -> "BE";`,
		`badLifoGroup: Path("/b4") -> lifoGroup() -> "BE";`,
		`badAdmission: Path("/b5") -> admissionControl("myapp", "on", "1s", 5, 10, 0.95, 0.9, 0.5) -> "BE";`,
		`badRatelimit: Path("/b6") -> backendRatelimit("g", 0, "1s") -> "BE";`,
	))
	inv := invalidRoutes(t, r.in)
	want := map[string]string{
		"badFifo": "fifo: ", "badFifoCount": "fifo: ", "badLifo": "lifo: ", "badLifoGroup": "lifoGroup: ",
		"badAdmission": "admissionControl: ", "badRatelimit": "backendRatelimit: ",
	}
	var ids, wantIDs []string
	for id := range inv {
		ids = append(ids, id)
	}
	for id := range want {
		wantIDs = append(wantIDs, id)
	}
	sort.Strings(ids)
	sort.Strings(wantIDs)
	if strings.Join(ids, " ") != strings.Join(wantIDs, " ") {
		t.Fatalf("invalid routes %v, want %v", inv, wantIDs)
	}
	for id, name := range want {
		if !strings.Contains(inv[id], name) {
			t.Errorf("%s: error %q does not name the filter", id, inv[id])
		}
	}
	for _, p := range []string{"/fifo", "/fifoWithBody", "/lifo", "/lifoDefaults", "/lifoWithBody", "/lifoGroup", "/lifoGroupName", "/lifoGroupWithBody", "/admissionControl", "/foo", "/baz"} {
		if got := r.in.get(t, p); got.status != 200 || got.body != "from be\n" {
			t.Errorf("%s: %d %q", p, got.status, got.body)
		}
	}
	if q := r.queue("lifo", "lifoDefaults"); q.MaxConcurrency != 100 || q.MaxQueueSize != 100 || q.Timeout != "10s" {
		t.Errorf("lifo() %+v", q)
	}
	if q := r.queue("lifoGroup", "mygroup"); q.MaxConcurrency != 100 || q.MaxQueueSize != 150 || q.Admitted != 3 || q.SettingsConflict {
		t.Errorf("mygroup %+v", q)
	}
}

// TestSchedulerQueueSurvivesReload: a route edited in the routes file
// keeps its queue: a request of the old table still holds its slot, and
// the new settings apply to the new table's requests.
func TestSchedulerQueueSurvivesReload(t *testing.T) {
	r := schedulerStart(t, routes(`r: Path("/hold") -> fifo(1, 0, "10s") -> "BE";`))
	held := schedulerGo(r.in, "/hold")
	waitFor(t, func() bool { return r.be.hits.Load() == 1 })
	if got := r.in.get(t, "/hold"); got.status != 503 || got.body != "Service Unavailable\n" {
		t.Fatalf("full queue: %d %q", got.status, got.body)
	}

	r.rewrite(t, routes(
		`r: Path("/hold") -> fifo(2, 0, "9s") -> "BE";`,
		`v2: Path("/v2") -> inlineContent("v2") -> <shunt>;`,
	))
	waitFor(t, func() bool { return r.in.get(t, "/v2").status == 200 })
	// One slot more: the old table's request holds one, this one the
	// other, and a third finds the queue full.
	second := schedulerGo(r.in, "/hold")
	waitFor(t, func() bool { return r.be.hits.Load() == 2 })
	if got := r.in.get(t, "/hold"); got.status != 503 {
		t.Fatalf("third: %d %q", got.status, got.body)
	}
	q := r.queue("fifo", "r")
	if q.MaxConcurrency != 2 || q.Timeout != "9s" || q.Active != 2 || q.Admitted != 2 || q.RejectedFull != 2 {
		t.Errorf("queue %+v", q)
	}
	r.gate <- struct{}{}
	r.gate <- struct{}{}
	for _, ch := range []chan response{held, second} {
		if got := <-ch; got.status != 200 || got.body != "from be\n" {
			t.Errorf("held request: %d %q", got.status, got.body)
		}
	}
	waitFor(t, func() bool { return r.queue("fifo", "r").Active == 0 })
}

// TestSchedulerGroupAcrossRoutes: routes of one lifoGroup share its
// queue and the settings of the route that gives them.
func TestSchedulerGroupAcrossRoutes(t *testing.T) {
	r := schedulerStart(t, routes(
		`a: Path("/hold") -> lifoGroup("g", 1, 1, "100ms") -> "BE";`,
		`b: Path("/b") -> lifoGroup("g") -> "BE";`,
	))
	held := schedulerGo(r.in, "/hold")
	waitFor(t, func() bool { return r.be.hits.Load() == 1 })
	start := time.Now()
	if got := r.in.get(t, "/b"); got.status != 502 || got.body != "Bad Gateway\n" {
		t.Errorf("other route of the group: %d %q", got.status, got.body)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("answered after %v, before the group's timeout", d)
	}
	r.gate <- struct{}{}
	if got := <-held; got.status != 200 {
		t.Errorf("held: %d", got.status)
	}
	if got := r.in.get(t, "/b"); got.status != 200 {
		t.Errorf("after: %d", got.status)
	}
	q := r.queue("lifoGroup", "g")
	if q.MaxConcurrency != 1 || q.MaxQueueSize != 1 || q.Timeout != "100ms" || q.RejectedTimeout != 1 || q.Admitted != 2 {
		t.Errorf("group %+v", q)
	}
}

// TestSchedulerStreamHoldsSlot: through skiff.Run, fifoWithBody holds its
// slot until the streamed body has ended.
func TestSchedulerStreamHoldsSlot(t *testing.T) {
	r := schedulerStart(t, routes(`s: Path("/stream") -> fifoWithBody(1, 0, "10s") -> "BE";`))
	rsp, err := r.in.client.Get(r.in.url + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	first := make([]byte, 5)
	if _, err := io.ReadFull(rsp.Body, first); err != nil || string(first) != "first" {
		t.Fatalf("first chunk %q %v", first, err)
	}
	if got := r.in.get(t, "/stream"); got.status != 503 {
		t.Errorf("while the body streams: %d %q", got.status, got.body)
	}
	r.gate <- struct{}{}
	if rest, err := io.ReadAll(rsp.Body); err != nil || string(rest) != "last" {
		t.Fatalf("rest %q %v", rest, err)
	}
	waitFor(t, func() bool { return r.queue("fifo", "s").Active == 0 })
	next := schedulerGo(r.in, "/stream")
	r.gate <- struct{}{}
	if got := <-next; got.status != 200 || got.body != "firstlast" {
		t.Errorf("after the stream: %d %q", got.status, got.body)
	}
}

// TestSchedulerQueuesEndpoint: with the filters built in, the support
// listener's /queues shows their queues.
func TestSchedulerQueuesEndpoint(t *testing.T) {
	be := newBackend(t, "be", nil)
	in := start(t, routes(`api: Path("/api") -> lifo(3, 4, "5s") -> "`+be.URL+`";`), skiff.Options{})
	if reason, ok := invalidRoutes(t, in)["api"]; ok {
		t.Fatalf("lifo route invalid: %v", reason)
	}
	if got := in.get(t, "/api"); got.status != 200 {
		t.Fatalf("/api: %d", got.status)
	}
	rsp, err := in.client.Get(in.support + "/queues")
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	if rsp.StatusCode != 200 {
		t.Fatalf("/queues: %d", rsp.StatusCode)
	}
	var snap scheduler.Snapshot
	if err := json.NewDecoder(rsp.Body).Decode(&snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Queues) != 1 {
		t.Fatalf("queues %+v", snap.Queues)
	}
	q := snap.Queues[0]
	if q.Kind != "lifo" || q.Name != "api" || q.MaxConcurrency != 3 || q.MaxQueueSize != 4 || q.Timeout != "5s" || q.Admitted != 1 || q.Active != 0 {
		t.Errorf("queue %+v", q)
	}
}

// TestSchedulerBackendRatelimitLB: on a load-balanced route each endpoint
// gets at most maxHits requests per window; the others are refused
// without reaching a backend.
func TestSchedulerBackendRatelimitLB(t *testing.T) {
	a := newBackend(t, "a", nil)
	b := newBackend(t, "b", nil)
	r := schedulerStart(t, routes(
		`lb: Path("/lb") -> backendRatelimit("g", 1, "1m") -> <roundRobin, "`+a.URL+`", "`+b.URL+`">;`,
		`net: Path("/net") -> backendRatelimit("g", 1, "1m") -> "`+a.URL+`";`,
	))
	var ok, refused int
	for range 4 {
		switch got := r.in.get(t, "/lb"); got.status {
		case 200:
			ok++
		case 503:
			refused++
		default:
			t.Fatalf("%d %q", got.status, got.body)
		}
	}
	if ok != 2 || refused != 2 || a.hits.Load() != 1 || b.hits.Load() != 1 {
		t.Errorf("%d passed, %d refused; backends %d and %d", ok, refused, a.hits.Load(), b.hits.Load())
	}
	// The network route to a counts in the same group.
	if got := r.in.get(t, "/net"); got.status != 503 {
		t.Errorf("network route: %d", got.status)
	}
}
