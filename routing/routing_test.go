package routing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// chanClient is a data client driven by the test through a channel.
type chanClient struct {
	name    string
	updates chan dataclients.Update
	err     error // returned from Run right away when set
}

func newChanClient(name string) *chanClient {
	return &chanClient{name: name, updates: make(chan dataclients.Update)}
}

func (c *chanClient) Name() string { return c.name }

func (c *chanClient) Run(ctx context.Context, out chan<- dataclients.Update) error {
	if c.err != nil {
		return c.err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case u := <-c.updates:
			select {
			case out <- u:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

func (c *chanClient) send(t *testing.T, u dataclients.Update) {
	t.Helper()
	select {
	case c.updates <- u:
	case <-time.After(5 * time.Second):
		t.Fatal("client update not taken")
	}
}

func quietLogger() (*logrus.Logger, *test.Hook) {
	l, h := test.NewNullLogger()
	return l, h
}

type runningRouting struct {
	*Routing
	cancel context.CancelFunc
	done   chan error
}

func startRouting(t testing.TB, o Options) *runningRouting {
	t.Helper()
	if o.Log == nil {
		o.Log, _ = quietLogger()
	}
	if o.Filters == nil {
		bo := testOptions()
		o.Filters, o.Predicates = bo.Filters, bo.Predicates
	}
	ctx, cancel := context.WithCancel(context.Background())
	rr := &runningRouting{Routing: New(o), cancel: cancel, done: make(chan error, 1)}
	go func() { rr.done <- rr.Run(ctx) }()
	t.Cleanup(rr.stop)
	return rr
}

func (rr *runningRouting) stop() {
	rr.cancel()
	<-rr.done
	rr.done <- nil // make stop idempotent
}

// waitFor polls the current table until cond holds.
func waitFor(t *testing.T, r *Routing, what string, cond func(*Table) bool) *Table {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		tbl := r.Acquire()
		if cond(tbl) {
			tbl.Release()
			return tbl
		}
		tbl.Release()
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
	return nil
}

func routeIDs(tbl *Table) string {
	s := ""
	for _, r := range tbl.Routes() {
		s += r.Id + "@" + r.Source + " "
	}
	return s
}

func hasIDs(want string) func(*Table) bool {
	return func(t *Table) bool { return routeIDs(t) == want }
}

func TestRoutingUpdatesAndMerge(t *testing.T) {
	a, b := newChanClient("a"), newChanClient("b")
	rr := startRouting(t, Options{DataClients: []dataclients.DataClient{a, b}})

	if tbl := rr.Acquire(); tbl == nil || len(tbl.Routes()) != 0 {
		t.Fatal("want an empty table before the first load")
	} else {
		tbl.Release()
	}
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{route("x", p("Path", "/x")), route("shared", p("Path", "/a"))}})
	waitFor(t, rr.Routing, "a's routes", hasIDs("shared@a x@a "))
	select {
	case <-rr.FirstLoad():
		t.Fatal("first load signalled before b delivered")
	default:
	}
	b.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{route("shared", p("Path", "/b")), route("y", p("Path", "/y"))}})
	select {
	case <-rr.FirstLoad():
	case <-time.After(5 * time.Second):
		t.Fatal("first load not signalled")
	}
	tbl := waitFor(t, rr.Routing, "merged routes", hasIDs("shared@b x@a y@b "))
	if id, _ := matchID(t, tbl, req("GET", "/b")); id != "shared" {
		t.Errorf("later client should win the shared id, got %q", id)
	}

	// deletes are applied before upserts
	a.send(t, dataclients.Update{Deletes: []string{"x"}, Upserts: []*eskip.Route{route("x", p("Path", "/x2"))}})
	tbl = waitFor(t, rr.Routing, "upsert", func(tbl *Table) bool {
		id, _ := matchID(t, tbl, req("GET", "/x2"))
		return id == "x"
	})
	b.send(t, dataclients.Update{Deletes: []string{"shared"}})
	tbl = waitFor(t, rr.Routing, "b's shared deleted", hasIDs("shared@a x@a y@b "))
	// a Reset replaces a client's set
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{route("z", p("Path", "/z"))}})
	waitFor(t, rr.Routing, "reset", hasIDs("y@b z@a "))
	_ = tbl
}

func TestRoutingInvalidRoutesCarrySource(t *testing.T) {
	a := newChanClient("file:a.eskip")
	log, hook := quietLogger()
	rr := startRouting(t, Options{DataClients: []dataclients.DataClient{a}, Log: log})
	bad := route("bad", p("Nope"))
	bad.Pos = eskip.Position{Source: "a.eskip", Line: 3, Column: 1}
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{bad, route("ok")}})
	tbl := waitFor(t, rr.Routing, "table", func(t *Table) bool { return len(t.Routes()) == 1 })
	inv := tbl.Invalid()
	if len(inv) != 1 || inv[0].Id != "bad" || inv[0].Source != "file:a.eskip" || inv[0].Reason != ReasonUnknownPredicate || inv[0].Pos.Line != 3 {
		t.Fatalf("invalid: %+v", inv)
	}
	if tbl.Routes()[0].Source != "file:a.eskip" {
		t.Errorf("source %q", tbl.Routes()[0].Source)
	}
	logged := 0
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.ErrorLevel && e.Data["route"] == "bad" {
			logged++
			if want := "a.eskip:3:1: bad: unknown_predicate"; !strings.Contains(e.Message, want) {
				t.Errorf("log %q does not say %q", e.Message, want)
			}
		}
	}
	if logged != 1 {
		t.Errorf("invalid route logged %d times, want 1", logged)
	}
}

func TestRoutingNoClientsAndFailingClient(t *testing.T) {
	rr := startRouting(t, Options{})
	select {
	case <-rr.FirstLoad():
	default:
		t.Fatal("no clients: first load should be signalled at once")
	}
	f := &chanClient{name: "broken", err: errors.New("boom")}
	rr2 := startRouting(t, Options{DataClients: []dataclients.DataClient{f}})
	select {
	case <-rr2.FirstLoad():
		t.Fatal("a failed client never delivered")
	case <-time.After(20 * time.Millisecond):
	}
}

func TestRoutingClosesReplacedTables(t *testing.T) {
	var closes atomic.Int32
	o := testOptions()
	o.Filters.Register(testFilterSpec{name: "closing", closes: &closes})
	a := newChanClient("a")
	rr := startRouting(t, Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}})

	withFilter := func(id string) *eskip.Route {
		r := route(id, p("Path", "/"+id))
		r.Filters = []*eskip.Filter{{Name: "closing"}}
		return r
	}
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{withFilter("one")}})
	first := waitFor(t, rr.Routing, "one", hasIDs("one@a "))
	held := rr.Acquire() // a request in flight on the first table
	if held != first {
		t.Fatal("acquired a different table")
	}
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{withFilter("two")}})
	waitFor(t, rr.Routing, "two", hasIDs("two@a "))
	if first.Closed() || closes.Load() != 0 {
		t.Fatal("table closed while a request still uses it")
	}
	held.Release()
	if !first.Closed() || closes.Load() != 1 {
		t.Fatalf("replaced table not closed after its last release (closes=%d)", closes.Load())
	}
	held.Release() // extra releases are harmless
	if closes.Load() != 1 {
		t.Fatal("closed twice")
	}
	rr.stop()
	if closes.Load() != 2 {
		t.Fatalf("last table not closed at shutdown: closes=%d", closes.Load())
	}
	if tbl := rr.Acquire(); tbl == nil {
		t.Fatal("Acquire after shutdown returned nil")
	} else {
		tbl.Release()
	}
}

// TestConcurrentMatchDuringSwaps runs lookups while tables are swapped; run
// with -race.
func TestConcurrentMatchDuringSwaps(t *testing.T) {
	var closes atomic.Int32
	o := testOptions()
	o.Filters.Register(testFilterSpec{name: "closing", closes: &closes})
	a := newChanClient("a")
	rr := startRouting(t, Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}, Coalesce: -1})

	gen := func(n int) []*eskip.Route {
		var defs []*eskip.Route
		for i := range 20 {
			r := route(fmt.Sprintf("r%d", i), p("Path", fmt.Sprintf("/r/%d", i)), p("Weight", float64(n)))
			r.Filters = []*eskip.Filter{{Name: "closing"}}
			defs = append(defs, r)
		}
		return defs
	}
	a.send(t, dataclients.Update{Reset: true, Upserts: gen(0)})
	<-rr.FirstLoad()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var misses atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ps Params
			r, _ := http.NewRequest("GET", fmt.Sprintf("http://h/r/%d", w), nil)
			for {
				select {
				case <-stop:
					return
				default:
				}
				tbl := rr.Acquire()
				ps.Reset()
				if tbl.Match(r, &ps) == nil {
					misses.Add(1)
				}
				if tbl.Closed() {
					misses.Add(1000)
				}
				tbl.Release()
			}
		}()
	}
	for n := 1; n <= 51; n++ {
		// full sets and changes: both the full and the copy-on-write build
		if n%2 == 0 {
			a.send(t, dataclients.Update{Reset: true, Upserts: gen(n)})
		} else {
			a.send(t, dataclients.Update{Upserts: gen(n)[:3]})
		}
	}
	waitFor(t, rr.Routing, "last generation", func(tbl *Table) bool { return tbl.Routes()[0].Weight == 51 })
	a.send(t, dataclients.Update{Upserts: gen(52)[:3]})
	waitFor(t, rr.Routing, "a change applied copy-on-write", func(tbl *Table) bool {
		return tbl.Routes()[0].Weight == 52 && tbl.incremental
	})
	close(stop)
	wg.Wait()
	if misses.Load() != 0 {
		t.Fatalf("%d failed lookups (closed table use counts 1000)", misses.Load())
	}
	if closes.Load() == 0 {
		t.Fatal("no replaced table was closed")
	}
}

func TestRoutingReusesUnchangedRoutes(t *testing.T) {
	var closes atomic.Int32
	o := testOptions()
	o.Filters.Register(testFilterSpec{name: "closing", closes: &closes})
	o.PostProcessors = []PostProcessor{copyPost{}}
	a := newChanClient("a")
	rr := startRouting(t, Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}})
	mk := func(id, path string) *eskip.Route {
		return withFilters(route(id, p("Path", path)), f("closing"))
	}
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{mk("keep", "/k"), mk("change", "/c1")}})
	first := waitFor(t, rr.Routing, "first", hasIDs("change@a keep@a "))
	// an equal definition in a new object is reused too
	a.send(t, dataclients.Update{Upserts: []*eskip.Route{mk("keep", "/k"), mk("change", "/c2")}})
	second := waitFor(t, rr.Routing, "second", func(tbl *Table) bool {
		id, _ := matchID(t, tbl, req("GET", "/c2"))
		return id == "change"
	})
	if first.Closed() == false {
		t.Fatal("first table not closed")
	}
	if closes.Load() != 1 {
		t.Fatalf("closes=%d, want 1 (only the changed route's filter)", closes.Load())
	}
	k1, k2 := first.Routes()[1], second.Routes()[1]
	if k1.Id != "keep" || k2.Id != "keep" || k1.Filters[0].Filter != k2.Filters[0].Filter {
		t.Fatal("unchanged route was instantiated again")
	}
	if k1 == k2 {
		t.Fatal("post-processors must get a fresh copy of a reused route")
	}
	c1, c2 := first.Routes()[0], second.Routes()[0]
	if c1.Filters[0].Filter == c2.Filters[0].Filter {
		t.Fatal("changed route kept its old filter")
	}
}

func TestRoutingWarnsOddIDsAndDuplicateClients(t *testing.T) {
	a := newChanClient("a")
	log, hook := quietLogger()
	rr := startRouting(t, Options{DataClients: []dataclients.DataClient{a, a}, Log: log})
	if len(rr.clients) != 1 {
		t.Fatalf("%d clients, want the repetition dropped", len(rr.clients))
	}
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{route("ok_1"), route("etcd-key"), route("9lives")}})
	<-rr.FirstLoad()
	var warned []any
	dupLogged := false
	for _, e := range hook.AllEntries() {
		if ids, ok := e.Data["ids"]; ok && e.Level == logrus.WarnLevel {
			warned = append(warned, ids)
		}
		if e.Level == logrus.ErrorLevel && e.Data["client"] == "a" {
			dupLogged = true
		}
	}
	if fmt.Sprint(warned) != "[[etcd-key 9lives]]" && fmt.Sprint(warned) != "[[9lives etcd-key]]" {
		t.Errorf("warned %v", warned)
	}
	if !dupLogged {
		t.Error("duplicate client not logged")
	}
	for _, id := range []string{"a", "_", "A_9", "abc123"} {
		if !validID(id) {
			t.Errorf("%q should be valid", id)
		}
	}
	for _, id := range []string{"", "1a", "a-b", "a.b", "ä"} {
		if validID(id) {
			t.Errorf("%q should be invalid", id)
		}
	}
}

// prefixPre prepends a status filter to every route; it is route-local.
type prefixPre struct{}

func (prefixPre) RouteLocal() bool { return true }

func (prefixPre) Do(defs []*eskip.Route) []*eskip.Route {
	out := make([]*eskip.Route, 0, len(defs))
	for _, d := range defs {
		if d.Id == "skip" {
			continue
		}
		c := *d
		c.Filters = append([]*eskip.Filter{f("status", 200.0)}, d.Filters...)
		out = append(out, &c)
	}
	return out
}

func TestRoutingDeltaWithRouteLocalProcessors(t *testing.T) {
	o := testOptions()
	o.PreProcessors = []PreProcessor{prefixPre{}}
	o.PostProcessors = []PostProcessor{localDrop{local: true}}
	a := newChanClient("a")
	rr := startRouting(t, Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}})
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{route("one", p("Path", "/1")), route("r7", p("Path", "/7"))}})
	waitFor(t, rr.Routing, "first", hasIDs("one@a "))
	a.send(t, dataclients.Update{Upserts: []*eskip.Route{route("two", p("Path", "/2")), route("skip", p("Path", "/s")), route("x7", p("Path", "/x7"))}})
	tbl := waitFor(t, rr.Routing, "second", hasIDs("one@a two@a "))
	if !tbl.incremental {
		t.Error("change not applied incrementally")
	}
	for _, r := range tbl.Routes() {
		if len(r.Filters) != 1 || r.Filters[0].Name != "status" {
			t.Errorf("%s: pre-processor not applied: %v", r.Id, r.Filters)
		}
	}
	inv := tbl.Invalid()
	if len(inv) != 2 || inv[0].Id != "r7" || inv[1].Id != "x7" {
		t.Errorf("invalid %+v", inv)
	}
	a.send(t, dataclients.Update{Deletes: []string{"one", "r7"}})
	tbl = waitFor(t, rr.Routing, "third", hasIDs("two@a "))
	if inv := tbl.Invalid(); len(inv) != 1 || inv[0].Id != "x7" {
		t.Errorf("invalid %+v", inv)
	}
}

// TestRoutingSameFullSetKeepsTableOpen: a full set equal to the live
// routes leaves the live table as it is, referenced and open, with its
// filters open.
func TestRoutingSameFullSetKeepsTableOpen(t *testing.T) {
	var closes atomic.Int32
	o := testOptions()
	o.Filters.Register(testFilterSpec{name: "closer", closes: &closes})
	a := newChanClient("a")
	log, _ := quietLogger()
	rt := New(Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}, Coalesce: -1, Log: log})
	rebuilt := make(chan struct{}, 10)
	rt.rebuilt = func() { rebuilt <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- rt.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitRebuild := func() {
		t.Helper()
		select {
		case <-rebuilt:
		case <-time.After(5 * time.Second):
			t.Fatal("no rebuild")
		}
	}

	defs, err := eskip.Parse(`x: Path("/x") -> closer() -> <shunt>`)
	if err != nil {
		t.Fatal(err)
	}
	a.send(t, dataclients.Update{Reset: true, Upserts: defs})
	waitRebuild()
	live := rt.Acquire()
	defer live.Release()
	a.send(t, dataclients.Update{Reset: true, Upserts: defs})
	waitRebuild()
	if tbl := rt.Acquire(); tbl != live {
		t.Error("a new table for the same routes")
		tbl.Release()
	} else {
		tbl.Release()
	}
	if n := closes.Load(); n != 0 {
		t.Errorf("the filter of the live route x was closed %d times", n)
	}
	if live.Closed() || live.refs.Load() != 2 {
		t.Errorf("live table closed %v, %d references, want 2 (the owner's and ours)", live.Closed(), live.refs.Load())
	}
}
