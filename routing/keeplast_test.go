package routing

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// rejectPost drops the routes whose backend host starts with "reject",
// like a load balancer set-up refusing a route; local says whether it
// claims to be route-local (which allows the copy-on-write path).
type rejectPost struct{ local bool }

func (p rejectPost) RouteLocal() bool { return p.local }

func (rejectPost) Do(rs []*Route) ([]*Route, []InvalidRoute) {
	var keep []*Route
	var dropped []InvalidRoute
	for _, r := range rs {
		if strings.HasPrefix(r.Host, "reject") {
			dropped = append(dropped, InvalidRoute{Id: r.Id, Reason: ReasonInvalidLB, Err: fmt.Errorf("rejected %s", r.Host)})
			continue
		}
		keep = append(keep, r)
	}
	return keep, dropped
}

// keepSummary lists the served routes as id=backend host (without the
// port) and the invalid ones as id@line:reason, with "!stale" for stale
// ones. It also checks that every listed route answers GET /<id> and
// that no other id does: the routes of these tests have Path("/<id>").
func keepSummary(t *testing.T, tbl *Table, ids []string) string {
	t.Helper()
	var b strings.Builder
	listed := map[string]string{}
	for _, r := range tbl.Routes() {
		v := strings.TrimSuffix(r.Host, ":80")
		listed[r.Id] = v
		fmt.Fprintf(&b, "%s=%s ", r.Id, v)
	}
	b.WriteString("|")
	for _, inv := range tbl.Invalid() {
		fmt.Fprintf(&b, " %s@%d:%s", inv.Id, inv.Pos.Line, inv.Reason)
		if inv.Stale {
			b.WriteString("!stale")
		}
	}
	for _, id := range ids {
		var ps Params
		rt := tbl.Match(req("GET", "/"+id), &ps)
		got := ""
		if rt != nil {
			got = strings.TrimSuffix(rt.Host, ":80")
		}
		if got != listed[id] {
			t.Errorf("GET /%s is served by %q, the table lists %q", id, got, listed[id])
		}
	}
	return b.String()
}

// doc parses an eskip document as the file "r.eskip"; blank lines in
// front put a route at the line a test wants.
func doc(t *testing.T, text string) []*eskip.Route {
	t.Helper()
	defs, err := eskip.ParseDocument("r.eskip", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return defs
}

// keepStep is one update of a data client and the tables it must give:
// want with the last valid versions kept (the default), drop with
// DropInvalidUpdates. logs are substrings of the error lines the step
// must log, each once; with no logs, the step logs no error.
type keepStep struct {
	name      string
	reset     bool
	upserts   string // an eskip document
	deletes   []string
	want      string
	logs      []string
	drop      string
	dropLogs  []string
	wantIncr  bool // the copy-on-write mode builds this table incrementally
	dropIsAll bool // drop == want, logs included
}

// keepSteps is the sequence of TestKeepLastValid, the life of a routes
// file: routes are edited into invalid versions at each stage
// (instantiation of a filter or predicate, the post-processor, the
// pre-processor), fixed, added, deleted, and full sets are sent again.
var keepSteps = []keepStep{{
	name:  "first full set",
	reset: true,
	upserts: `a: Path("/a") -> "http://a1";
b: Path("/b") -> status(1) -> "http://b1";`,
	want:      "a=a1 b=b1 |",
	dropIsAll: true,
}, {
	name:     "valid route gets an unknown filter",
	upserts:  "\n\n" + `b: Path("/b") -> staus(1) -> "http://b2";`,
	want:     "a=a1 b=b1 | b@3:unknown_filter!stale",
	logs:     []string{`route b: new version invalid (r.eskip:3:1: unknown_filter: unknown filter "staus" (#1)), serving the last valid version`},
	drop:     "a=a1 | b@3:unknown_filter",
	dropLogs: []string{`r.eskip:3:1: b: unknown_filter`},
	wantIncr: true,
}, {
	name:     "another route changes: the stale one is not logged again",
	upserts:  `c: Path("/c") -> "http://c1";`,
	want:     "a=a1 b=b1 c=c1 | b@3:unknown_filter!stale",
	drop:     "a=a1 c=c1 | b@3:unknown_filter",
	wantIncr: true,
}, {
	name:     "stale route gets another invalid version: a predicate that fails to build",
	upserts:  "\n\n\n\n" + `b: Path("/b") && HeaderIs("X") -> status(1) -> "http://b3";`,
	want:     "a=a1 b=b1 c=c1 | b@5:invalid_predicate_params!stale",
	logs:     []string{`route b: new version invalid (r.eskip:5:1: invalid_predicate_params: predicate HeaderIs (#1): want 2 args), serving the last valid version`},
	drop:     "a=a1 c=c1 | b@5:invalid_predicate_params",
	dropLogs: []string{`r.eskip:5:1: b: invalid_predicate_params`},
	wantIncr: true,
}, {
	name:      "stale route gets a valid version again",
	upserts:   `b: Path("/b") -> status(2) -> "http://b4";`,
	want:      "a=a1 b=b4 c=c1 |",
	dropIsAll: true,
	wantIncr:  true,
}, {
	name:      "a route that was never valid is not served",
	upserts:   "\n" + `d: Path("/d") -> status("bad") -> "http://d1";`,
	want:      "a=a1 b=b4 c=c1 | d@2:invalid_filter_params",
	logs:      []string{`r.eskip:2:1: d: invalid_filter_params`},
	dropIsAll: true,
	wantIncr:  true,
}, {
	name:      "it is served once valid",
	upserts:   `d: Path("/d") -> "http://d2";`,
	want:      "a=a1 b=b4 c=c1 d=d2 |",
	dropIsAll: true,
	wantIncr:  true,
}, {
	name:     "a post-processor rejects the new version",
	upserts:  "\n\n\n\n\n\n" + `a: Path("/a") -> "http://reject2";`,
	want:     "a=a1 b=b4 c=c1 d=d2 | a@7:invalid_lb!stale",
	logs:     []string{`route a: new version invalid (r.eskip:7:1: invalid_lb: rejected reject2:80), serving the last valid version`},
	drop:     "b=b4 c=c1 d=d2 | a@7:invalid_lb",
	dropLogs: []string{`r.eskip:7:1: a: invalid_lb`},
	wantIncr: true,
}, {
	name:      "deleted while stale: gone",
	deletes:   []string{"a"},
	want:      "b=b4 c=c1 d=d2 |",
	dropIsAll: true,
	wantIncr:  true,
}, {
	name:     "a pre-processor makes the new version invalid",
	upserts:  "\n\n" + `c: Path("/c") -> status("edit-me") -> "http://c2";`,
	want:     "b=b4 c=c1 d=d2 | c@3:invalid_filter_params!stale",
	logs:     []string{`route c: new version invalid (r.eskip:3:1: invalid_filter_params: filter status (#1): status: invalid filter parameters), serving the last valid version`},
	drop:     "b=b4 d=d2 | c@3:invalid_filter_params",
	dropLogs: []string{`r.eskip:3:1: c: invalid_filter_params`},
	wantIncr: true,
}, {
	name:  "the same full set again: nothing changes, nothing is logged",
	reset: true,
	upserts: `b: Path("/b") -> status(2) -> "http://b4";
	
c: Path("/c") -> status("edit-me") -> "http://c2";
d: Path("/d") -> "http://d2";`,
	want: "b=b4 c=c1 d=d2 | c@3:invalid_filter_params!stale",
	drop: "b=b4 d=d2 | c@3:invalid_filter_params",
}, {
	name:  "a full set with new invalid versions of two routes and an invalid new one",
	reset: true,
	upserts: `b: Path("/b") -> "http://reject5";
c: Path("/c") -> nope() -> "http://c3";
d: Path("/d") -> "http://d2";
e: Path("/e") -> nope() -> "http://e1";`,
	want: "b=b4 c=c1 d=d2 | b@1:invalid_lb!stale c@2:unknown_filter!stale e@4:unknown_filter",
	logs: []string{
		`route b: new version invalid (r.eskip:1:1: invalid_lb: rejected reject5:80), serving the last valid version`,
		`route c: new version invalid (r.eskip:2:1: unknown_filter: unknown filter "nope" (#1)), serving the last valid version`,
		`r.eskip:4:1: e: unknown_filter`,
	},
	drop: "d=d2 | b@1:invalid_lb c@2:unknown_filter e@4:unknown_filter",
	dropLogs: []string{
		`r.eskip:1:1: b: invalid_lb`,
		`r.eskip:2:1: c: unknown_filter`,
		`r.eskip:4:1: e: unknown_filter`,
	},
}, {
	name:  "a rejected version that moves is listed at its new place",
	reset: true,
	upserts: `b: Path("/b") -> "http://reject5";

c: Path("/c") -> nope() -> "http://c3";
d: Path("/d") -> "http://d2";
e: Path("/e") -> nope() -> "http://e1";`,
	want: "b=b4 c=c1 d=d2 | b@1:invalid_lb!stale c@3:unknown_filter!stale e@5:unknown_filter",
	logs: []string{
		`route c: new version invalid (r.eskip:3:1: unknown_filter: unknown filter "nope" (#1)), serving the last valid version`,
		`r.eskip:5:1: e: unknown_filter`,
	},
	drop: "d=d2 | b@1:invalid_lb c@3:unknown_filter e@5:unknown_filter",
	dropLogs: []string{
		`r.eskip:3:1: c: unknown_filter`,
		`r.eskip:5:1: e: unknown_filter`,
	},
}, {
	name:  "a full set without a stale route: gone; the other gets a valid version",
	reset: true,
	upserts: `b: Path("/b") -> "http://b6";
d: Path("/d") -> "http://d2";
e: Path("/e") -> nope() -> "http://e1";`,
	want:      "b=b6 d=d2 | e@3:unknown_filter",
	logs:      []string{`r.eskip:3:1: e: unknown_filter`}, // it moved up a line
	dropIsAll: true,
}}

// TestKeepLastValid runs keepSteps through a Routing fed by a data
// client, with the copy-on-write path (route-local processors), with full
// rebuilds (a post-processor that is not route-local) and with
// DropInvalidUpdates.
func TestKeepLastValid(t *testing.T) {
	edit, err := ParseRouteEdit(`/status\("edit-me"\)/status("bad")/`)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []struct {
		name  string
		local bool
		drop  bool
	}{
		{"copy-on-write", true, false},
		{"full rebuild", false, false},
		{"drop, copy-on-write", true, true},
		{"drop, full rebuild", false, true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			o := testOptions()
			o.PreProcessors = []PreProcessor{NewRouteEditor([]RouteEdit{edit}, nil)}
			o.PostProcessors = []PostProcessor{rejectPost{local: mode.local}}
			o.DropInvalidUpdates = mode.drop
			log, hook := quietLogger()
			a := newChanClient("file:r.eskip")
			rr := startRouting(t, Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}, Log: log, Coalesce: -1})
			ids := []string{"a", "b", "c", "d", "e"}
			for _, st := range keepSteps {
				want, logs := st.want, st.logs
				if mode.drop && !st.dropIsAll {
					want, logs = st.drop, st.dropLogs
				}
				hook.Reset()
				old := rr.Acquire()
				old.Release()
				a.send(t, dataclients.Update{Reset: st.reset, Upserts: doc(t, st.upserts), Deletes: st.deletes})
				tbl := waitForSummary(t, rr.Routing, st.name, want, ids)
				if mode.local && !mode.drop && st.wantIncr && !tbl.incremental {
					t.Errorf("%s: not built by the copy-on-write path", st.name)
				}
				if !mode.local && tbl.incremental {
					t.Errorf("%s: built by the copy-on-write path with a post-processor that is not route-local", st.name)
				}
				if tbl == old && !st.reset {
					t.Errorf("%s: no new table", st.name)
				}
				checkLogs(t, st.name, hook, logs)
			}
		})
	}
}

// waitForSummary waits until the live table's keepSummary is want, and
// returns that table.
func waitForSummary(t *testing.T, r *Routing, step, want string, ids []string) *Table {
	t.Helper()
	got := ""
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		tbl := r.Acquire()
		got = keepSummary(t, tbl, ids)
		tbl.Release()
		if got == want {
			return tbl
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%s:\n got %q\nwant %q", step, got, want)
	return nil
}

// checkLogs checks that the error lines logged since the hook was reset
// are the wanted ones, each once. The table is swapped in after it was
// logged, so all of a step's lines are there once the table is live.
func checkLogs(t *testing.T, step string, hook *test.Hook, want []string) {
	t.Helper()
	var got []string
	for _, e := range hook.AllEntries() {
		if e.Level <= logrus.ErrorLevel {
			got = append(got, e.Message)
		}
	}
	sort.Strings(got)
	if len(got) != len(want) {
		t.Errorf("%s: logged %q, want lines with %q", step, got, want)
		return
	}
	for _, w := range want {
		n := 0
		for _, g := range got {
			if strings.Contains(g, w) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d lines with %q in %q, want 1", step, n, w, got)
		}
	}
}

// TestKeepLastValidFiltersStayOpen: the closable filters of a kept route
// are not closed while it is served, and are closed once when a valid
// version replaces it or it is deleted.
func TestKeepLastValidFiltersStayOpen(t *testing.T) {
	for _, end := range []string{"replaced", "deleted"} {
		t.Run(end, func(t *testing.T) {
			spec := &trackingSpec{}
			o := testOptions()
			o.Filters.Register(spec)
			a := newChanClient("a")
			rr := startRouting(t, Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}, Coalesce: -1})
			a.send(t, dataclients.Update{Reset: true, Upserts: doc(t, `r: Path("/r") -> tracked() -> "http://v1";`)})
			waitForSummary(t, rr.Routing, "v1", "r=v1 |", []string{"r"})
			a.send(t, dataclients.Update{Upserts: doc(t, `r: Path("/r") -> tracked() -> tracked("bad") -> "http://v2";`)})
			waitForSummary(t, rr.Routing, "stale", "r=v1 | r@1:invalid_filter_params!stale", []string{"r"})
			a.send(t, dataclients.Update{Upserts: doc(t, `r: Path("/r") -> tracked() -> nope() -> "http://v3";`)})
			waitForSummary(t, rr.Routing, "stale again", "r=v1 | r@1:unknown_filter!stale", []string{"r"})

			spec.mu.Lock()
			first := spec.created[0]
			for i, f := range spec.created[1:] {
				// the filters made for the invalid versions are closed at once
				if n := f.closes.Load(); n != 1 {
					t.Errorf("filter %d of an invalid version closed %d times", i+1, n)
				}
			}
			spec.mu.Unlock()
			if n := first.closes.Load(); n != 0 {
				t.Fatalf("the served version's filter was closed %d times", n)
			}
			if end == "replaced" {
				a.send(t, dataclients.Update{Upserts: doc(t, `r: Path("/r") -> tracked() -> "http://v4";`)})
				waitForSummary(t, rr.Routing, "replaced", "r=v4 |", []string{"r"})
			} else {
				a.send(t, dataclients.Update{Deletes: []string{"r"}})
				waitForSummary(t, rr.Routing, "deleted", "|", []string{"r"})
			}
			deadline := time.Now().Add(5 * time.Second)
			for first.closes.Load() == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if n := first.closes.Load(); n != 1 {
				t.Errorf("the kept version's filter closed %d times, want 1", n)
			}
		})
	}
}

// TestKeepLastValidDifferential applies random sequences of valid and
// invalid versions, additions and deletions through the copy-on-write
// path and through full builds, and compares both with a table built from
// scratch from what a simple model says must be served.
func TestKeepLastValidDifferential(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, 42))
		local := testOptions()
		local.PostProcessors = []PostProcessor{localDrop{local: true}, rejectPost{local: true}}
		full := local
		full.PostProcessors = []PostProcessor{localDrop{local: false}, rejectPost{local: false}}
		if seed%2 == 0 {
			local.shardHosts, full.shardHosts = 2, 2
		}

		type modelRoute struct{ cur, lastValid *eskip.Route }
		model := map[string]*modelRoute{}
		valid := func(d *eskip.Route) bool { return len(Build([]*eskip.Route{d}, local).Routes()) == 1 }
		version := 0
		gen := func(id string) *eskip.Route {
			version++
			d := genRoute(rng, 0)
			d.Id = id
			d.Filters = []*eskip.Filter{f("setRequestHeader", "v", fmt.Sprint(version))}
			switch rng.IntN(5) {
			case 0:
				d.Predicates = append(d.Predicates, p("Nope"))
			case 1:
				d.Filters = append(d.Filters, f("status", "bad"))
			case 2:
				d.BackendType, d.Backend = eskip.NetworkBackend, "http://reject"
			}
			return d
		}
		set := func(id string) {
			d := gen(id)
			m := model[id]
			if m == nil {
				m = &modelRoute{}
				model[id] = m
			}
			m.cur = d
		}
		for i := range 120 {
			set(fmt.Sprintf("r%03d", i))
		}
		caches := []map[string]*cached{{}, {}}
		prevs := []*Table{nil, nil}
		incremental, staleSeen := 0, 0
		for g := uint64(1); g <= 40; g++ {
			ids := make([]string, 0, len(model))
			for id := range model {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			for range rng.IntN(6) {
				set(ids[rng.IntN(len(ids))])
			}
			// A deletion and an upsert of one id within one build look
			// like a change of the route: the model would not know.
			deleted := map[string]bool{}
			for range rng.IntN(3) {
				id := ids[rng.IntN(len(ids))]
				delete(model, id)
				deleted[id] = true
			}
			for range rng.IntN(3) {
				if id := fmt.Sprintf("n%03d", rng.IntN(100)); !deleted[id] {
					set(id)
				}
			}
			var defs, served []*eskip.Route
			var srcs []string
			wantInvalid := map[string]bool{} // id -> stale
			for id, m := range model {
				// only versions that reach a table count
				if valid(m.cur) {
					m.lastValid = m.cur
				}
				defs = append(defs, m.cur)
				srcs = append(srcs, "c")
				switch {
				case m.lastValid == m.cur:
					served = append(served, m.cur)
				case m.lastValid != nil:
					served = append(served, m.lastValid)
					wantInvalid[id] = true
					staleSeen++
				default:
					wantInvalid[id] = false
				}
			}
			expected := Build(served, local)
			for i, o := range []BuildOptions{local, full} {
				tbl := build(buildInput{defs: defs, sources: srcs, unique: true, cache: caches[i], gen: g, managed: true, prev: prevs[i]}, o)
				prevs[i] = tbl
				if i == 0 && tbl.incremental {
					incremental++
				}
				if i == 1 && tbl.incremental {
					t.Fatal("full build options took the copy-on-write path")
				}
				if a, b := versions(tbl), versions(expected); a != b {
					t.Fatalf("seed %d gen %d path %d: served\n%s\nwant\n%s", seed, g, i, a, b)
				}
				gotInvalid := map[string]bool{}
				for _, inv := range tbl.Invalid() {
					gotInvalid[inv.Id] = inv.Stale
				}
				if fmt.Sprint(gotInvalid) != fmt.Sprint(wantInvalid) {
					t.Fatalf("seed %d gen %d path %d: invalid (id:stale)\n%v\nwant\n%v", seed, g, i, gotInvalid, wantInvalid)
				}
				for range 100 {
					r := genRequest(rng)
					if got, want := versionOf(tbl, r), versionOf(expected, r); got != want {
						t.Fatalf("seed %d gen %d path %d: %s %s%s served by %s, want %s", seed, g, i, r.Method, r.Host, r.URL.Path, got, want)
					}
				}
			}
		}
		if incremental < 30 {
			t.Fatalf("seed %d: copy-on-write path used %d times of 40", seed, incremental)
		}
		if staleSeen < 40 {
			t.Fatalf("seed %d: %d stale routes in 40 tables: the sequence does not test much", seed, staleSeen)
		}
	}
}

// versions lists the served routes as id=version (the value of the
// route's setRequestHeader filter).
func versions(tbl *Table) string {
	var b strings.Builder
	for _, r := range tbl.Routes() {
		fmt.Fprintf(&b, "%s=%v ", r.Id, r.Def.Filters[0].Args[1])
	}
	return b.String()
}

// versionOf is the route r takes, its version and its parameters.
func versionOf(tbl *Table, r *http.Request) string {
	var ps Params
	rt := tbl.Match(r, &ps)
	if rt == nil {
		return "none"
	}
	return fmt.Sprintf("%s=%v %v", rt.Id, rt.Def.Filters[0].Args[1], lookup(tbl, r))
}
