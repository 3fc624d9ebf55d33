package nats

import (
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
)

// lookupTable registers each uri with an endpoint (or, for the ones
// listed in empty, registers and unregisters it in a table that retains
// empty pools, leaving an empty pool).
func lookupTable(t *testing.T, uris []string, empty []string) *table {
	t.Helper()
	tb := newTable(RoundRobin, DefaultStaleThreshold, 60e9)
	for _, u := range append(append([]string(nil), uris...), empty...) {
		reg(tb, registration.Message{Host: "10.0.0.1", Port: 8080, URIs: []string{u}}, t0)
	}
	for _, u := range empty {
		if _, ok := unreg(tb, registration.Message{Host: "10.0.0.1", Port: 8080, URIs: []string{u}}, t0); !ok {
			t.Fatalf("unregister %q failed", u)
		}
	}
	checkConsistent(t, tb)
	return tb
}

type lookupCase struct {
	host, path string
	want       string // pool key; "" for none
}

func runLookup(t *testing.T, tb *table, cases []lookupCase) {
	t.Helper()
	for _, c := range cases {
		got := ""
		if p := tb.lookup(c.host, c.path); p != nil {
			got = p.key
			if len(p.eps) == 0 {
				got += " (empty)"
			}
		}
		if got != c.want {
			t.Errorf("lookup(%q, %q) = %q, want %q", c.host, c.path, got, c.want)
		}
	}
}

// §5 and §18 C 12-16 at the table level.
func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		name  string
		uris  []string
		empty []string // pools retained empty
		cases []lookupCase
	}{
		{name: "§18 12 normalisation", uris: []string{"MyApp.Example.COM/Api/?q=1"}, cases: []lookupCase{
			{"MYAPP.example.com:8081", "/API/v1", "myapp.example.com/api"},
			{"myapp.example.com", "/api", "myapp.example.com/api"},
			{"myapp.example.com", "/Api/", "myapp.example.com/api"},
			{"myapp.example.com", "/", ""},
			{"myapp.example.com", "/apiv1", ""},
		}},
		{name: "§18 13 longest segment match", uris: []string{"c.test", "c.test/api"}, cases: []lookupCase{
			{"c.test", "/api", "c.test/api"},
			{"c.test", "/api/", "c.test/api"},
			{"c.test", "/api/v1/x", "c.test/api"},
			{"c.test", "/apix", "c.test"},
			{"c.test", "/", "c.test"},
			{"c.test", "", "c.test"},
			{"c.test", "/a/api", "c.test"},
			{"c.test", "/API/V1", "c.test/api"},  // path case-insensitive
			{"c.test", "/api?x=1", "c.test/api"}, // query cut
			{"c.test", "/apix?y=/api", "c.test"},
			{"c.test", "/api//", "c.test/api"}, // one '/' dropped, then an empty segment
			{"c.test", "//api", "c.test"},
			{"c.test:8080", "/api", "c.test/api"},
			{"c.test:80:90", "/api", "c.test/api"}, // port cut at the first ':'
			{"c.test:", "/api", "c.test/api"},
			{"C.Test", "/Api", "c.test/api"},
			{"c.tes", "/api", ""},
			{"c.test.", "/api", ""},
			{"xc.test", "/api", ""},
		}},
		{name: "§18 14 query in URI ignored", uris: []string{"q.test?x=1"}, cases: []lookupCase{
			{"q.test", "/", "q.test"},
			{"q.test", "/?y=2", "q.test"},
		}},
		{name: "§18 15 wildcards", uris: []string{"*.w.test", "a.w.test"}, cases: []lookupCase{
			{"x.w.test", "/", "*.w.test"},
			{"y.z.w.test", "/", "*.w.test"},
			{"a.w.test", "/anything", "a.w.test"},
			{"A.W.TEST:1", "/anything", "a.w.test"},
			{"X.W.Test", "/p", "*.w.test"},
			{"w.test", "/", ""},
			{"test", "/", ""},
			{"*.w.test", "/", "*.w.test"},
		}},
		{name: "§18 16 exact host at a shorter path beats a wildcard", uris: []string{"e.w2.test", "*.w2.test/api"}, cases: []lookupCase{
			{"e.w2.test", "/api", "e.w2.test"},
			{"f.w2.test", "/api", "*.w2.test/api"},
			{"f.w2.test", "/api/x", "*.w2.test/api"},
			{"f.w2.test", "/", ""},
			{"f.w2.test", "/apix", ""},
		}},
		{name: "wildcards from the left-most label", uris: []string{"*.b.c.com", "*.c.com/x", "*.com/y"}, cases: []lookupCase{
			{"a.b.c.com", "/x", "*.b.c.com"},
			{"a.z.c.com", "/x", "*.c.com/x"},
			{"a.b.c.com.z", "/x", ""},
			{"a.z.c.com", "/y", "*.com/y"},
			{"c.com", "/x", ""},
			{"b.c.com", "/x", "*.c.com/x"}, // *.b.c.com does not serve b.c.com
			{"z.com", "/y", "*.com/y"},
			{"q.z.c.com", "/x/1", "*.c.com/x"},
		}},
		{name: "more specific wildcard first", uris: []string{"*.a.test", "*.b.a.test"}, cases: []lookupCase{
			{"x.b.a.test", "/", "*.b.a.test"},
			{"x.y.b.a.test", "/", "*.b.a.test"},
			{"x.c.a.test", "/", "*.a.test"},
		}},
		{name: "percent-encoding kept", uris: []string{"p.test/a", "p.test/a%2fb/c"}, cases: []lookupCase{
			{"p.test", "/a%2Fb/c", "p.test/a%2fb/c"},
			{"p.test", "/a%2fb/c/d", "p.test/a%2fb/c"},
			{"p.test", "/a/b/c", "p.test/a"},
			{"p.test", "/a%2Fb", ""}, // a node, but no pool on the way
			{"p.test", "/a%2fx", ""},
		}},
		{name: "dot in the path", uris: []string{"*.d.test/file.txt"}, cases: []lookupCase{
			{"x.d.test", "/file.txt", "*.d.test/file.txt"},
			{"x.d.test", "/file.txt/more", "*.d.test/file.txt"},
			{"x.d.test", "/file", ""},
		}},
		{name: "empty retained pool under a pool with endpoints", uris: []string{"h.test"}, empty: []string{"h.test/api"}, cases: []lookupCase{
			{"h.test", "/api/x", "h.test"},
			{"h.test", "/api", "h.test"},
			{"h.test", "/", "h.test"},
		}},
		{name: "empty pool at the last node, no wildcard fallback", uris: []string{"*.test/api", "*.test"}, empty: []string{"s.test/api"}, cases: []lookupCase{
			{"s.test", "/api", "s.test/api (empty)"},
			{"s.test", "/api/x", "s.test/api (empty)"},
			{"s.test", "/", "*.test"}, // s.test is a node without a pool
			{"s.test", "/other", "*.test"},
			{"t.test", "/api", "*.test/api"},
		}},
		{name: "deepest pool with endpoints, else the empty pool at the last node", uris: []string{"u.test/a/b"}, empty: []string{"u.test", "u.test/a/b/c"}, cases: []lookupCase{
			{"u.test", "/a/b/c", "u.test/a/b"},
			{"u.test", "/a/b/c/d", "u.test/a/b"},
			{"u.test", "/", "u.test (empty)"},
			{"u.test", "/x", "u.test (empty)"},
			// The last node visited is u.test/a, which has no pool: nothing,
			// although u.test has an (empty) pool.
			{"u.test", "/a", ""},
			{"u.test", "/a/x", ""},
		}},
		{name: "empty pool deeper than one with endpoints", uris: []string{"v.test/a"}, empty: []string{"v.test/a/b"}, cases: []lookupCase{
			{"v.test", "/a/b", "v.test/a"},
			{"v.test", "/a/b/c", "v.test/a"},
		}},
		{name: "exact host with only empty pools beats a wildcard", uris: []string{"*.x.test"}, empty: []string{"e.x.test"}, cases: []lookupCase{
			{"e.x.test", "/", "e.x.test (empty)"},
			{"e.x.test", "/p", "e.x.test (empty)"},
			{"f.x.test", "/p", "*.x.test"},
		}},
		{name: "empty route key", uris: []string{"k.test"}, cases: []lookupCase{
			{"", "", ""},
			{"", "/", ""},
			{"k.test", "?", "k.test"},
		}},
		{name: "long keys", uris: []string{"l.test/" + strings.Repeat("seg/", 200) + "end"}, cases: []lookupCase{
			{"L.test", "/" + strings.Repeat("SEG/", 200) + "end/more", "l.test/" + strings.Repeat("seg/", 200) + "end"},
			{"x.l.test", "/" + strings.Repeat("seg/", 200) + "end", ""},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runLookup(t, lookupTable(t, tc.uris, tc.empty), tc.cases)
		})
	}
}

// A lookup must not panic on any host: a Host whose characters the
// normalisation cuts ('?') or drops (a trailing '/') leaves a key shorter
// than the host.
func TestLookupOddHosts(t *testing.T) {
	tb := lookupTable(t, []string{"a.test", "*.w.test", "a.test/x"}, nil)
	runLookup(t, tb, []lookupCase{
		{"a.test?", "", "a.test"},
		{"a.test?q", "/x", "a.test"},
		{"a.test/", "", "a.test"},
		{"a.test/x", "", "a.test/x"},
		{"?", "/x", ""},
		{"/", "", ""},
		{"b.w.test?", "", "*.w.test"},
		{"b.w.test/", "", "*.w.test"},
		{"[::1]:8080", "/", ""},
		{":8080", "/", ""},
		// A path that does not start with '/' (OPTIONS *) continues the
		// host's segment, as in gorouter's key "a.test*".
		{"a.test", "*", ""},
	})
}

// The request path of a lookup hit costs nothing (spec §5 runs on every
// request).
func TestLookupAllocations(t *testing.T) {
	tb := lookupTable(t, []string{"a.test", "a.test/api/v1", "*.w.test/api"}, nil)
	for _, c := range []lookupCase{
		{"a.test", "/api/v1/users/42", ""},
		{"A.TEST:8080", "/API/V1?x=y", ""},
		{"x.y.w.test", "/api/z", ""},
		{"unknown.test", "/", ""},
	} {
		if n := testing.AllocsPerRun(100, func() { tb.lookup(c.host, c.path) }); n != 0 {
			t.Errorf("lookup(%q, %q): %v allocations", c.host, c.path, n)
		}
	}
}
