package etcd_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
)

func TestInitialLoad(t *testing.T) {
	kv := sharedKV(t)
	p := prefix(t)
	for k, v := range map[string]string{
		"/routes/a":        `Path("/a") -> "http://a.example:8080"`,
		"/routes/b":        `ignored: Host("b") -> <shunt>`,
		"/routes/c":        "Path(\"/c\")\n  -> setPath(\"/x\" -> <shunt>",
		"/routes/d":        `d1: * -> <shunt>; d2: * -> <shunt>`,
		"/routes/my-route": `* -> status(204) -> <shunt>`,
		"/routes/dir/e":    `* -> <shunt>`,
		"/other/f":         `* -> <shunt>`,
	} {
		put(t, kv, p+k, v)
	}
	put(t, kv, p+"-sibling/routes/g", `* -> <shunt>`)

	h := start(t, shared, etcd.Options{})
	h.waitFor("the first update", func(s state) bool { return len(s.routes)+len(s.invalid) > 0 })
	s, updates := h.snapshot()
	if len(updates) != 1 || !updates[0].Reset {
		t.Fatalf("want one Update with Reset first, got %d: %+v", len(updates), updates)
	}
	want := map[string]string{
		"a":        `Path("/a") -> "http://a.example:8080"`,
		"b":        `Host(/b/) -> <shunt>`,
		"my-route": `* -> status(204) -> <shunt>`,
	}
	if fmt.Sprint(s.routes) != fmt.Sprint(want) {
		t.Errorf("routes:\n got %v\nwant %v", s.routes, want)
	}
	if len(s.invalid) != 2 {
		t.Fatalf("invalid: %v, want c and d", s.invalid)
	}
	for _, tc := range []struct {
		id           string
		line, column int
		msg          string
	}{
		{"c", 2, 19, `expected "," or ")"`},
		{"d", 1, 19, "2 routes"},
	} {
		inv := s.invalid[tc.id]
		if inv.Pos.Source != p+"/routes/"+tc.id || inv.Pos.Line != tc.line || inv.Pos.Column != tc.column {
			t.Errorf("%s: position %+v, want %s/routes/%s:%d:%d", tc.id, inv.Pos, p, tc.id, tc.line, tc.column)
		}
		if inv.Err == nil || !strings.Contains(inv.Err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want one containing %q", tc.id, inv.Err, tc.msg)
		}
	}
	if n := countLogs(h, logrus.WarnLevel, "my-route"); n != 1 {
		t.Errorf("%d warnings about the id my-route, want 1", n)
	}
	if at, connected := h.c.LastContact(); !connected || time.Since(at) > 5*time.Second {
		t.Errorf("LastContact: %v, %v; want recent and connected", at, connected)
	}
}

func TestChangesArrive(t *testing.T) {
	kv := sharedKV(t)
	p := prefix(t)
	put(t, kv, p+"/routes/keep", `* -> <shunt>`)
	h := start(t, shared, etcd.Options{})
	h.waitFor("the first route", func(s state) bool { return len(s.routes) == 1 })

	steps := []struct {
		name   string
		change func()
		want   map[string]string
	}{
		{"put", func() { put(t, kv, p+"/routes/new", `Path("/new") -> <shunt>`) },
			map[string]string{"keep": `* -> <shunt>`, "new": `Path("/new") -> <shunt>`}},
		{"update", func() { put(t, kv, p+"/routes/new", `Path("/newer") -> <shunt>`) },
			map[string]string{"keep": `* -> <shunt>`, "new": `Path("/newer") -> <shunt>`}},
		{"delete", func() { del(t, kv, p+"/routes/keep") },
			map[string]string{"new": `Path("/newer") -> <shunt>`}},
		{"deeper key ignored", func() { put(t, kv, p+"/routes/new/sub", `* -> <shunt>`) },
			map[string]string{"new": `Path("/newer") -> <shunt>`}},
		{"delete of a missing key", func() { del(t, kv, p+"/routes/never") },
			map[string]string{"new": `Path("/newer") -> <shunt>`}},
	}
	for _, step := range steps {
		step.change()
		h.waitFor(step.name, func(s state) bool { return fmt.Sprint(s.routes) == fmt.Sprint(step.want) })
	}
	// Let anything that is still coming arrive, then check that nothing
	// was pushed for the ignored changes.
	put(t, kv, p+"/routes/marker", `* -> <shunt>`)
	h.waitFor("the marker", func(s state) bool { return s.routes["marker"] != "" })
	_, updates := h.snapshot()
	for _, u := range updates[1:] {
		if u.Reset || len(u.Upserts)+len(u.Deletes) != 1 || len(u.Invalid) != 0 {
			t.Errorf("want each change alone, got %+v", u)
		}
	}
	if len(updates) != 5 {
		t.Errorf("%d Updates, want 5: the first and one for each real change", len(updates))
	}
}

func TestLeaseExpiryDeletes(t *testing.T) {
	kv := sharedKV(t)
	p := prefix(t)
	h := start(t, shared, etcd.Options{})
	lease, err := kv.Grant(ctxT(t), 1) // etcd raises it to its minimum, about 2 s
	if err != nil {
		t.Fatal(err)
	}
	put(t, kv, p+"/routes/temp", `* -> <shunt>`, clientv3.WithLease(lease.ID))
	h.waitFor("the leased route", func(s state) bool { return s.routes["temp"] != "" })
	began := time.Now()
	h.waitFor("the lease to expire", func(s state) bool { return len(s.routes) == 0 })
	t.Logf("deleted %v after it arrived", time.Since(began).Round(time.Millisecond))
	_, updates := h.snapshot()
	if last := updates[len(updates)-1]; len(last.Deletes) != 1 || last.Deletes[0] != "temp" {
		t.Errorf("last Update %+v, want the delete of temp", last)
	}
}

func TestBadValueThenFix(t *testing.T) {
	kv := sharedKV(t)
	p := prefix(t)
	put(t, kv, p+"/routes/r", `Path("/good") -> <shunt>`)
	h := start(t, shared, etcd.Options{})
	h.waitFor("the route", func(s state) bool { return s.routes["r"] != "" })

	const bad = `Path("/bad") -> <shunt`
	put(t, kv, p+"/routes/r", bad)
	h.waitFor("the bad value", func(s state) bool { return s.invalid["r"].Id == "r" })
	s, _ := h.snapshot()
	if inv := s.invalid["r"]; inv.Pos.Source != p+"/routes/r" || inv.Pos.Line != 1 || inv.Err == nil {
		t.Errorf("invalid route %+v, want the key as source, line 1 and the parser's error", inv)
	}
	// The same bad value again changes nothing: no Update, no new log line.
	put(t, kv, p+"/routes/r", bad)
	put(t, kv, p+"/routes/marker", `* -> <shunt>`)
	h.waitFor("the marker", func(s state) bool { return s.routes["marker"] != "" })
	if n := countLogs(h, logrus.ErrorLevel, p+"/routes/r"); n != 1 {
		t.Errorf("the bad value was logged %d times, want once", n)
	}

	put(t, kv, p+"/routes/r", `Path("/fixed") -> <shunt>`)
	h.waitFor("the fix", func(s state) bool { return s.routes["r"] == `Path("/fixed") -> <shunt>` && len(s.invalid) == 0 })
}

func TestBurstIsBatched(t *testing.T) {
	kv := sharedKV(t)
	p := prefix(t)
	h := start(t, shared, etcd.Options{})
	h.waitFor("the first update", func(s state) bool { _, u := h.snapshot(); return len(u) == 1 })

	const writers, each = 4, 250
	began := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := kv.Put(ctxT(t), fmt.Sprintf("%s/routes/r%d_%d", p, w, i), fmt.Sprintf(`Path("/%d/%d") -> <shunt>`, w, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	wrote := time.Since(began)
	h.waitFor("every route", func(s state) bool { return len(s.routes) == writers*each })
	_, updates := h.snapshot()
	n := len(updates) - 1
	t.Logf("%d puts in %v arrived in %d Updates", writers*each, wrote.Round(time.Millisecond), n)
	if n > writers*each/10 {
		t.Errorf("%d puts arrived in %d Updates, want at most a tenth as many", writers*each, n)
	}
}

func TestCompactionPastTheWatch(t *testing.T) {
	kv := sharedKV(t)
	p := prefix(t)
	put(t, kv, p+"/routes/stays", `* -> <shunt>`)
	put(t, kv, p+"/routes/goes", `* -> <shunt>`)
	put(t, kv, p+"/routes/changes", `Path("/v1") -> <shunt>`)

	var (
		mu      sync.Mutex
		watches []int64
	)
	h := start(t, shared, etcd.Options{}, func(c *etcd.Client) {
		etcd.SetBeforeWatch(c, func(from int64) {
			mu.Lock()
			watches = append(watches, from)
			n := len(watches)
			mu.Unlock()
			if n > 1 {
				return
			}
			// Between the first read and its watch: changes, then a
			// compaction of the history the watch would start from.
			put(t, kv, p+"/routes/new", `Path("/new") -> <shunt>`)
			put(t, kv, p+"/routes/changes", `Path("/v2") -> <shunt>`)
			del(t, kv, p+"/routes/goes")
			resp := getRev(t, kv)
			if _, err := kv.Compact(ctxT(t), resp); err != nil {
				t.Error(err)
			}
		})
	})
	// The hook's writes come after the first Update, which matches the
	// server until then.
	h.waitFor("the route written before the compaction", func(s state) bool { return s.routes["new"] != "" })
	h.waitForServer(kv)
	s, updates := h.snapshot()
	mu.Lock()
	if len(watches) < 2 || watches[1] <= watches[0] {
		t.Errorf("watches started at %v, want a second one after reading again", watches)
	}
	mu.Unlock()
	resets := 0
	for _, u := range updates {
		if u.Reset {
			resets++
		}
	}
	if resets != 1 || len(updates) != 2 {
		t.Errorf("%d Updates, %d with Reset; want the first and one with the difference", len(updates), resets)
	}
	if d := updates[len(updates)-1]; len(d.Upserts) != 2 || len(d.Deletes) != 1 {
		t.Errorf("the difference %+v, want new and changes upserted, goes deleted", d)
	}
	if s.routes["stays"] == "" {
		t.Errorf("state %v lost a route that did not change", s)
	}
	// The watch made after the read works.
	put(t, kv, p+"/routes/after", `* -> <shunt>`)
	h.waitForServer(kv)
}

func getRev(t testing.TB, kv *clientv3.Client) int64 {
	t.Helper()
	resp, err := kv.Get(ctxT(t), "/")
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

// countLogs counts the log entries at level that mention s.
func countLogs(h *harness, level logrus.Level, s string) int {
	n := 0
	for _, e := range h.logs.AllEntries() {
		if e.Level == level && strings.Contains(e.Message, s) {
			n++
		}
	}
	return n
}
