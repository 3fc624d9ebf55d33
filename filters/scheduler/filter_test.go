package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// reqCtx is a filter context for route with a cancelable request context.
func reqCtx(route string) (*filtertest.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	c := filtertest.NewContext(httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	c.FRouteId = route
	return c, cancel
}

// create makes a filter of name with args from reg.
func create(t *testing.T, reg *Registry, name string, args ...any) filters.Filter {
	t.Helper()
	return filtertest.Create(t, spec(t, reg, name), args...)
}

func queueStats(t *testing.T, reg *Registry, kind, name string) QueueStats {
	t.Helper()
	for _, q := range reg.Snapshot().Queues {
		if q.Kind == kind && q.Name == name {
			return q
		}
	}
	t.Fatalf("no %s queue %q in %+v", kind, name, reg.Snapshot().Queues)
	return QueueStats{}
}

func wantServed(t *testing.T, c *filtertest.Context, status int, body string) {
	t.Helper()
	if !c.Served() || c.FResponse == nil || c.FResponse.StatusCode != status {
		t.Fatalf("served %v %+v, want %d", c.Served(), c.FResponse, status)
	}
	if got := filtertest.Body(t, c.FResponse); got != body {
		t.Errorf("body %q, want %q", got, body)
	}
	if got := c.FResponse.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
}

// TestSlotBackInResponse: fifo and lifo give the slot back in their
// response phase, before the body; a full queue answers 503.
func TestSlotBackInResponse(t *testing.T) {
	for _, name := range []string{"fifo", "lifo", "lifoGroup"} {
		t.Run(name, func(t *testing.T) {
			reg := NewRegistry(Options{})
			args := []any{1.0, 1.0, "1s"}
			if name == "lifoGroup" {
				args = append([]any{"g"}, args...)
			}
			f := create(t, reg, name, args...)
			c1, cancel1 := reqCtx("r")
			defer cancel1()
			f.Request(c1)
			if c1.Served() {
				t.Fatal("first request served")
			}
			// The second waits in the queue, the third finds it full.
			c2, cancel2 := reqCtx("r")
			defer cancel2()
			done2 := make(chan struct{})
			go func() { f.Request(c2); close(done2) }()
			kind := name
			qname := "r"
			if name == "lifoGroup" {
				qname = "g"
			}
			waitFor(t, "queued", func() bool { return queueStats(t, reg, kind, qname).Queued == 1 })
			c3, cancel3 := reqCtx("r")
			defer cancel3()
			done3 := make(chan struct{})
			go func() { f.Request(c3); close(done3) }()
			waiter, waiterDone := c2, done2
			if name == "fifo" {
				<-done3
				wantServed(t, c3, 503, "Service Unavailable\n")
				f.Response(c3) // no slot: nothing given back
			} else {
				// lifo: the oldest waiter makes room for the newcomer.
				<-done2
				wantServed(t, c2, 503, "Service Unavailable\n")
				f.Response(c2)
				waitFor(t, "newcomer queued", func() bool { return queueStats(t, reg, kind, qname).Queued == 1 })
				waiter, waiterDone = c3, done3
			}
			c1.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("body"))}
			f.Response(c1)
			<-waiterDone
			if waiter.Served() {
				t.Fatalf("waiter served %d", waiter.FResponse.StatusCode)
			}
			st := queueStats(t, reg, kind, qname)
			if st.Active != 1 || st.Queued != 0 || st.RejectedFull != 1 {
				t.Errorf("stats %+v", st)
			}
			f.Response(waiter)
			if st := queueStats(t, reg, kind, qname); st.Active != 0 || st.Admitted != 2 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestWithBodyHoldsSlot: the WithBody variants give the slot back when the
// response body is closed, not in the response phase.
func TestWithBodyHoldsSlot(t *testing.T) {
	for _, name := range []string{"fifoWithBody", "lifoWithBody", "lifoGroupWithBody"} {
		t.Run(name, func(t *testing.T) {
			reg := NewRegistry(Options{})
			args := []any{1.0, 0.0, "1s"}
			kind, qname := "fifo", "r"
			switch name {
			case "lifoWithBody":
				args[1], kind = 1.0, "lifo"
			case "lifoGroupWithBody":
				args = append([]any{"g"}, args...)
				kind, qname = "lifoGroup", "g"
			}
			f := create(t, reg, name, args...)
			c1, cancel1 := reqCtx("r")
			defer cancel1()
			f.Request(c1)
			c1.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("streamed"))}
			f.Response(c1)
			if st := queueStats(t, reg, kind, qname); st.Active != 1 {
				t.Fatalf("slot given back before the body: %+v", st)
			}
			if got := filtertest.Body(t, c1.FResponse); got != "streamed" {
				t.Errorf("body %q", got)
			}
			if st := queueStats(t, reg, kind, qname); st.Active != 0 {
				t.Fatalf("slot kept after the body: %+v", st)
			}
			// A response without body gives it back at once.
			c2, cancel2 := reqCtx("r")
			defer cancel2()
			f.Request(c2)
			c2.FResponse = &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody}
			f.Response(c2)
			if st := queueStats(t, reg, kind, qname); st.Active != 0 {
				t.Fatalf("slot kept without body: %+v", st)
			}
		})
	}
}

// TestSlotBackWhenRequestEnds: a request whose response phase never comes
// (a later filter wrote the answer itself, an upgrade) gives its slot back
// when its context ends.
func TestSlotBackWhenRequestEnds(t *testing.T) {
	reg := NewRegistry(Options{})
	f := create(t, reg, "lifo", 1.0, 1.0, "1s")
	c, cancel := reqCtx("r")
	f.Request(c)
	if st := queueStats(t, reg, "lifo", "r"); st.Active != 1 {
		t.Fatalf("stats %+v", st)
	}
	cancel()
	waitFor(t, "slot back", func() bool { return queueStats(t, reg, "lifo", "r").Active == 0 })
	// The response phase after that gives nothing back twice.
	c.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
	f.Response(c)
	if st := queueStats(t, reg, "lifo", "r"); st.Active != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestTimeoutAnswers502(t *testing.T) {
	reg := NewRegistry(Options{})
	f := create(t, reg, "fifo", 1.0, 1.0, "20ms")
	c1, cancel1 := reqCtx("r")
	defer cancel1()
	f.Request(c1)
	c2, cancel2 := reqCtx("r")
	defer cancel2()
	f.Request(c2)
	wantServed(t, c2, 502, "Bad Gateway\n")
	if st := queueStats(t, reg, "fifo", "r"); st.RejectedTimeout != 1 || st.Active != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestClientLeaves: a client that goes away while queued leaves the queue
// (499 for the access log) and its place is free again.
func TestClientLeaves(t *testing.T) {
	reg := NewRegistry(Options{})
	f := create(t, reg, "lifoGroup", "g", 1.0, 1.0, "10s")
	c1, cancel1 := reqCtx("a")
	defer cancel1()
	f.Request(c1)
	c2, cancel2 := reqCtx("a")
	done := make(chan struct{})
	go func() { f.Request(c2); close(done) }()
	waitFor(t, "queued", func() bool { return queueStats(t, reg, "lifoGroup", "g").Queued == 1 })
	cancel2()
	<-done
	if !c2.Served() || c2.FResponse.StatusCode != 499 {
		t.Fatalf("served %+v", c2.FResponse)
	}
	if st := queueStats(t, reg, "lifoGroup", "g"); st.Queued != 0 || st.Left != 1 || st.Active != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestReentry: a request that holds a slot of a queue (a loopback into a
// route of the same group) does not wait for a second one, and the slot
// goes back with the outermost filter.
func TestReentry(t *testing.T) {
	reg := NewRegistry(Options{})
	outer := create(t, reg, "lifoGroup", "g", 1.0, 1.0, "20ms")
	inner := create(t, reg, "lifoGroup", "g")
	c, cancel := reqCtx("outer")
	defer cancel()
	outer.Request(c)
	c.FRouteId = "inner"
	inner.Request(c)
	if c.Served() {
		t.Fatalf("inner waited and was answered %d", c.FResponse.StatusCode)
	}
	c.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
	inner.Response(c)
	if st := queueStats(t, reg, "lifoGroup", "g"); st.Active != 1 {
		t.Fatalf("given back by the inner filter: %+v", st)
	}
	c.FRouteId = "outer"
	outer.Response(c)
	if st := queueStats(t, reg, "lifoGroup", "g"); st.Active != 0 || st.Admitted != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestRouteQueueSurvivesRebuild: the filter of a new table generation
// finds its route's queue, with the requests of the old one in it, and
// its settings apply from its first request on.
func TestRouteQueueSurvivesRebuild(t *testing.T) {
	reg := NewRegistry(Options{})
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	reg.clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	old := create(t, reg, "fifo", 1.0, 0.0, "1s")
	c1, cancel1 := reqCtx("r")
	defer cancel1()
	old.Request(c1)

	fresh := create(t, reg, "fifo", 2.0, 0.0, "1s")
	c2, cancel2 := reqCtx("r")
	defer cancel2()
	fresh.Request(c2) // the second of two slots
	if c2.Served() {
		t.Fatalf("new generation refused: %d", c2.FResponse.StatusCode)
	}
	c3, cancel3 := reqCtx("r")
	defer cancel3()
	fresh.Request(c3)
	wantServed(t, c3, 503, "Service Unavailable\n")
	st := queueStats(t, reg, "fifo", "r")
	if st.Active != 2 || st.MaxConcurrency != 2 || st.Admitted != 2 || st.RejectedFull != 1 {
		t.Errorf("stats %+v", st)
	}
	// The old generation's requests finish; its settings do not return.
	c1.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
	old.Response(c1)
	old.(filters.Closer).Close()
	if st := queueStats(t, reg, "fifo", "r"); st.Active != 1 || st.MaxConcurrency != 2 {
		t.Errorf("stats %+v", st)
	}
	// Another route, another queue.
	other, cancelOther := reqCtx("s")
	defer cancelOther()
	fresh.Request(other) // not expected from routing, but handled
	fresh.Response(other)

	// With no filter left, the queue stays a while, then goes.
	c2.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
	fresh.Response(c2)
	fresh.(filters.Closer).Close()
	queueStats(t, reg, "fifo", "r")
	mu.Lock()
	now = now.Add(orphanGrace)
	mu.Unlock()
	if qs := reg.Snapshot().Queues; len(qs) != 0 {
		t.Errorf("queues left: %+v", qs)
	}
}

type recordLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *recordLog) add(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(f, a...))
}
func (l *recordLog) Debugf(f string, a ...any) {}
func (l *recordLog) Infof(f string, a ...any)  {}
func (l *recordLog) Warnf(f string, a ...any)  { l.add(f, a...) }
func (l *recordLog) Errorf(f string, a ...any) { l.add(f, a...) }

func (l *recordLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestGroupSettings: the group's settings are the earliest route's that
// gives any; an edited route keeps its place from its first request on;
// routes that disagree get a warning.
func TestGroupSettings(t *testing.T) {
	log := &recordLog{}
	reg := NewRegistry(Options{Log: log})
	g := func() QueueStats { return queueStats(t, reg, "lifoGroup", "g") }
	use := func(f filters.Filter, route string) {
		c, cancel := reqCtx(route)
		defer cancel()
		f.Request(c)
		c.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
		f.Response(c)
	}
	named := create(t, reg, "lifoGroup", "g")
	if st := g(); st.MaxConcurrency != 100 || st.MaxQueueSize != 100 || st.Timeout != "10s" {
		t.Fatalf("defaults: %+v", st)
	}
	a := create(t, reg, "lifoGroupWithBody", "g", 2.0, 3.0, "1s")
	b := create(t, reg, "lifoGroup", "g", 5.0, 6.0, "2s")
	if st := g(); st.MaxConcurrency != 2 || st.MaxQueueSize != 3 || st.Timeout != "1s" || !st.SettingsConflict {
		t.Fatalf("first route's settings: %+v", st)
	}
	if !strings.Contains(log.String(), `lifoGroup "g": its routes give different settings; the earliest route's apply (maxConcurrency 2, maxQueueSize 3, timeout 1s)`) {
		t.Errorf("log %q", log.String())
	}
	use(named, "n")
	use(b, "b")
	use(a, "a")

	// Route a is edited: its new filter is created after b's, but takes
	// a's place once it serves a request.
	a2 := create(t, reg, "lifoGroupWithBody", "g", 5.0, 6.0, "2s")
	if st := g(); st.MaxConcurrency != 2 {
		t.Fatalf("before the new definition served: %+v", st)
	}
	use(a2, "a")
	if st := g(); st.MaxConcurrency != 5 || st.MaxQueueSize != 6 || st.SettingsConflict {
		t.Fatalf("after: %+v", st)
	}
	// A request of the old table that comes late changes nothing.
	use(a, "a")
	if st := g(); st.MaxConcurrency != 5 {
		t.Fatalf("old definition came back: %+v", st)
	}
	a.(filters.Closer).Close()
	a3 := create(t, reg, "lifoGroup", "g", 7.0, 8.0, "3s")
	use(a3, "a")
	if st := g(); st.MaxConcurrency != 7 || !st.SettingsConflict {
		t.Fatalf("a's third definition: %+v", st)
	}
	// Without route a, b's settings apply; without any, the defaults.
	a2.(filters.Closer).Close()
	a3.(filters.Closer).Close()
	if st := g(); st.MaxConcurrency != 5 || st.SettingsConflict {
		t.Fatalf("b's: %+v", st)
	}
	b.(filters.Closer).Close()
	if st := g(); st.MaxConcurrency != 100 || st.MaxQueueSize != 100 || st.Timeout != "10s" {
		t.Fatalf("defaults again: %+v", st)
	}
	named.(filters.Closer).Close()
	named.(filters.Closer).Close() // twice is harmless
	if st := g(); st.Admitted != 6 {
		t.Errorf("counters: %+v", st)
	}
}

func TestRegistryClose(t *testing.T) {
	reg := NewRegistry(Options{})
	f := create(t, reg, "lifo", 1.0, 1.0, "10s")
	c1, cancel1 := reqCtx("r")
	defer cancel1()
	f.Request(c1)
	c2, cancel2 := reqCtx("r")
	defer cancel2()
	done := make(chan struct{})
	go func() { f.Request(c2); close(done) }()
	waitFor(t, "queued", func() bool { return queueStats(t, reg, "lifo", "r").Queued == 1 })
	reg.Close()
	<-done
	wantServed(t, c2, 503, "Service Unavailable\n")
	// A queue made after Close refuses too.
	g := create(t, reg, "lifoGroup", "late", 1.0)
	c3, cancel3 := reqCtx("r")
	defer cancel3()
	g.Request(c3)
	wantServed(t, c3, 503, "Service Unavailable\n")
}

// TestSnapshotJSON pins the form of /queues.
func TestSnapshotJSON(t *testing.T) {
	reg := NewRegistry(Options{})
	base := time.Unix(0, 0)
	reg.base = base
	reg.clock = func() time.Time { return base.Add(10 * time.Second) }
	f := create(t, reg, "lifo", 2.0, 0.0, "3s")
	c, cancel := reqCtx("api")
	defer cancel()
	f.Request(c)
	create(t, reg, "lifoGroup", "shared", 4.0, 5.0, "6s")
	create(t, reg, "admissionControl", "app", "active", "1s", 5.0, 10.0, 0.95, 0.9, 0.5)
	br := create(t, reg, "backendRatelimit", "be", 10.0, "1m").(*backendRatelimitFilter)
	br.lim.allow("10.0.0.1:80", reg.since())
	b, err := json.MarshalIndent(reg.Snapshot(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
 "queues": [
  {
   "kind": "lifo",
   "name": "api",
   "max_concurrency": 2,
   "max_queue_size": -1,
   "timeout": "3s",
   "active": 1,
   "queued": 0,
   "admitted": 1,
   "rejected_full": 0,
   "rejected_timeout": 0,
   "left": 0
  },
  {
   "kind": "lifoGroup",
   "name": "shared",
   "max_concurrency": 4,
   "max_queue_size": 5,
   "timeout": "6s",
   "active": 0,
   "queued": 0,
   "admitted": 0,
   "rejected_full": 0,
   "rejected_timeout": 0,
   "left": 0
  }
 ],
 "admission_control": [
  {
   "metric_suffix": "app",
   "route": "",
   "mode": "active",
   "window": "5s",
   "total": 0,
   "success": 0,
   "reject_probability": 0,
   "requests": 0,
   "rejected": 0
  }
 ],
 "backend_ratelimits": [
  {
   "group": "be",
   "max_hits": 10,
   "time_window": "1m0s",
   "rejected": 0,
   "endpoints": [
    {
     "endpoint": "10.0.0.1:80",
     "hits": 1,
     "rejected": 0
    }
   ]
  }
 ]
}`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
	var nilReg *Registry
	if err := nilReg.Close(); err != nil {
		t.Error(err)
	}
	if b, _ := json.Marshal(nilReg.Snapshot()); string(b) != `{"queues":[],"admission_control":[],"backend_ratelimits":[]}` {
		t.Errorf("nil registry: %s", b)
	}
}

// TestOrphanRevived: a route whose filters all went finds its queue, with
// its counters, when a filter for it comes back within the grace period.
func TestOrphanRevived(t *testing.T) {
	reg, ft := fakeRegistry()
	use := func(f filters.Filter) {
		c, cancel := reqCtx("r")
		defer cancel()
		f.Request(c)
		c.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
		f.Response(c)
	}
	f := create(t, reg, "lifo", 1.0)
	use(f)
	f.(filters.Closer).Close()
	ft.add(orphanGrace - time.Second)
	g := create(t, reg, "lifo", 1.0)
	use(g)
	if st := queueStats(t, reg, "lifo", "r"); st.Admitted != 2 {
		t.Errorf("stats %+v", st)
	}
	ft.add(time.Hour)
	if st := queueStats(t, reg, "lifo", "r"); st.Admitted != 2 {
		t.Errorf("a queue in use was dropped: %+v", st)
	}
	g.(filters.Closer).Close()
	ft.add(time.Hour)
	if n := len(reg.Snapshot().Queues); n != 0 {
		t.Errorf("%d queues left", n)
	}
}
