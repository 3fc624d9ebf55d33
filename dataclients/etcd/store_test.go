package etcd_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/eskip"
)

// storeClient is a client for the store operations on the test's prefix.
func storeClient(t *testing.T) *etcd.Client {
	t.Helper()
	log, _ := newNullLogger()
	c, err := etcd.New(etcd.Options{Endpoints: shared.Endpoints(), Prefix: prefix(t), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func parseRoutes(t *testing.T, doc string) []*eskip.Route {
	t.Helper()
	routes, err := eskip.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return routes
}

// stored returns the keys under the test's routes with value and mod
// revision.
func stored(t *testing.T, kv *clientv3.Client) map[string]storedKV {
	t.Helper()
	resp, err := kv.Get(ctxT(t), prefix(t)+"/routes/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]storedKV{}
	for _, item := range resp.Kvs {
		m[strings.TrimPrefix(string(item.Key), prefix(t)+"/routes/")] = storedKV{string(item.Value), item.ModRevision}
	}
	return m
}

type storedKV struct {
	value string
	mod   int64
}

var generatedId = regexp.MustCompile(`^route[0-9a-zA-Z]{16}$`)

func TestUpsert(t *testing.T) {
	c, kv := storeClient(t), sharedKV(t)
	put(t, kv, prefix(t)+"/routes/a", `* -> <shunt>`)

	routes := parseRoutes(t, `a: Path("/a")   -> setPath("/x") -> "http://a:1"; b: * -> <shunt>`)
	routes = append(routes, parseRoutes(t, `Path("/anon") -> <shunt>`)...)
	if err := c.Upsert(ctxT(t), routes); err != nil {
		t.Fatal(err)
	}
	anon := routes[2].Id
	if !generatedId.MatchString(anon) {
		t.Fatalf("generated id %q, want route and 16 letters or digits", anon)
	}
	got := stored(t, kv)
	want := map[string]string{
		"a":  `Path("/a") -> setPath("/x") -> "http://a:1"`,
		"b":  `* -> <shunt>`,
		anon: `Path("/anon") -> <shunt>`,
	}
	if len(got) != len(want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	for id, v := range want {
		if got[id].value != v {
			t.Errorf("%s: stored %q, want %q", id, got[id].value, v)
		}
	}
}

func TestUpsertManyIsSplit(t *testing.T) {
	c, kv := storeClient(t), sharedKV(t)
	var doc strings.Builder
	const n = 300 // above etcd's limit of 128 operations in one transaction
	for i := range n {
		fmt.Fprintf(&doc, "r%d: Path(\"/%d\") -> <shunt>;\n", i, i)
	}
	if err := c.Upsert(ctxT(t), parseRoutes(t, doc.String())); err != nil {
		t.Fatal(err)
	}
	if got := len(stored(t, kv)); got != n {
		t.Fatalf("%d routes stored, want %d", got, n)
	}
}

func TestStoreRefusesBadIds(t *testing.T) {
	c := storeClient(t)
	for _, tc := range []struct {
		name   string
		routes string
		ids    []string
		err    string
	}{
		{"id twice", `a: * -> <shunt>; a: Path("/") -> <shunt>`, nil, "twice"},
		{"slash in an id", "", []string{"a/b"}, "contains a /"},
		{"empty id", "", []string{""}, "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.routes != "" {
				err = c.Upsert(ctxT(t), parseRoutes(t, tc.routes))
			} else {
				err = c.Delete(ctxT(t), tc.ids)
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("got %v, want an error containing %q", err, tc.err)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	c, kv := storeClient(t), sharedKV(t)
	for _, id := range []string{"a", "b", "c"} {
		put(t, kv, prefix(t)+"/routes/"+id, `* -> <shunt>`)
	}
	if err := c.Delete(ctxT(t), []string{"a", "missing", "c", "a"}); err != nil {
		t.Fatal(err)
	}
	got := stored(t, kv)
	if _, ok := got["b"]; len(got) != 1 || !ok {
		t.Fatalf("left %v, want only b", got)
	}
}

func TestReset(t *testing.T) {
	c, kv := storeClient(t), sharedKV(t)
	p := prefix(t) + "/routes/"
	put(t, kv, p+"same", `Path("/same")   ->   <shunt>`) // canonically the same as given below
	put(t, kv, p+"changed", `Path("/old") -> <shunt>`)
	put(t, kv, p+"gone", `* -> <shunt>`)
	put(t, kv, p+"broken", `* -> `)
	put(t, kv, p+"deeper/key", `* -> <shunt>`) // not a route: left alone
	before := stored(t, kv)

	routes := parseRoutes(t, `
		same: Path("/same") -> <shunt>;
		changed: Path("/new") -> <shunt>;
		broken: Path("/fixed") -> <shunt>;
		added: * -> status(204) -> <shunt>`)
	routes = append(routes, parseRoutes(t, `Path("/anon") -> <shunt>`)...)
	putN, deleted, err := c.Reset(ctxT(t), routes)
	if err != nil {
		t.Fatal(err)
	}
	if putN != 4 || deleted != 1 {
		t.Errorf("put %d, deleted %d; want 4 (changed, broken, added, the id-less one) and 1 (gone)", putN, deleted)
	}
	after := stored(t, kv)
	if after["same"] != before["same"] {
		t.Errorf("an unchanged route was written again: %+v, before %+v", after["same"], before["same"])
	}
	if _, ok := after["gone"]; ok {
		t.Error("gone is still there")
	}
	if after["deeper/key"] != before["deeper/key"] {
		t.Error("a key below the routes was touched")
	}
	for id, want := range map[string]string{
		"changed":    `Path("/new") -> <shunt>`,
		"broken":     `Path("/fixed") -> <shunt>`,
		"added":      `* -> status(204) -> <shunt>`,
		routes[4].Id: `Path("/anon") -> <shunt>`,
	} {
		if after[id].value != want {
			t.Errorf("%s: %q, want %q", id, after[id].value, want)
		}
	}

	// Again with the same routes: nothing to do.
	putN, deleted, err = c.Reset(ctxT(t), routes)
	if err != nil || putN != 0 || deleted != 0 {
		t.Errorf("second Reset: put %d, deleted %d, %v; want 0, 0, nil", putN, deleted, err)
	}
}

func TestLoad(t *testing.T) {
	c, kv := storeClient(t), sharedKV(t)
	p := prefix(t) + "/routes/"
	put(t, kv, p+"b", `Path("/b") -> <shunt>`)
	put(t, kv, p+"a", `x: Path("/a") -> <shunt>`)
	put(t, kv, p+"bad", "Path(\"/bad\")\n -> <shunt")
	put(t, kv, p+"deeper/c", `* -> <shunt>`)
	want := getRev(t, kv)

	routes, invalid, rev, err := c.Load(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if rev < want {
		t.Errorf("revision %d, want at least %d", rev, want)
	}
	if len(routes) != 2 || routes[0].Id != "a" || routes[1].Id != "b" || routes[0].String() != `Path("/a") -> <shunt>` {
		t.Errorf("routes %s, want a and b in key order, ids from the keys", eskip.String(routes...))
	}
	if routes[0].Pos.Source != p+"a" {
		t.Errorf("route a at %+v, want its key as source", routes[0].Pos)
	}
	if len(invalid) != 1 || invalid[0].Id != "bad" || invalid[0].Pos.Source != p+"bad" || invalid[0].Pos.Line != 2 {
		t.Errorf("invalid %+v, want bad at %sbad:2", invalid, p)
	}
}

// TestLoadReadsInPages: a read in pages smaller than the route set gets
// every route once, in key order, and skips keys below routes/.
func TestLoadReadsInPages(t *testing.T) {
	c, kv := storeClient(t), sharedKV(t)
	etcd.SetPageSize(c, 4)
	const n = 25
	for i := range n {
		put(t, kv, fmt.Sprintf("%s/routes/r%02d", prefix(t), i), fmt.Sprintf(`Path("/r%d") -> <shunt>`, i))
	}
	put(t, kv, prefix(t)+"/routes/deeper/key", `* -> <shunt>`)
	routes, invalid, rev, err := c.Load(ctxT(t))
	if err != nil || len(invalid) != 0 || rev == 0 {
		t.Fatalf("load: %v, %d invalid, revision %d", err, len(invalid), rev)
	}
	if len(routes) != n {
		t.Fatalf("%d routes, want %d", len(routes), n)
	}
	for i, r := range routes {
		if want := fmt.Sprintf("r%02d", i); r.Id != want {
			t.Errorf("route %d is %s, want %s", i, r.Id, want)
		}
	}
}
