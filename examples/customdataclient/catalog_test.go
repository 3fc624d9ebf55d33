package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestParseService(t *testing.T) {
	for _, tc := range []struct {
		json, route, err string
	}{
		{`{"path": "/orders", "backend": "http://orders:8080"}`, `x: PathSubtree("/orders") -> "http://orders:8080"`, ""},
		{`{"path": "/", "backend": "https://10.0.0.1"}`, `x: PathSubtree("/") -> "https://10.0.0.1"`, ""},
		{`{"path": "/orders", "backend": "http://orders:8080"`, "", "unexpected end of JSON input"},
		{`{"backend": "http://orders:8080"}`, "", `"path" must start with /, got ""`},
		{`{"path": "orders", "backend": "http://orders:8080"}`, "", `"path" must start with /, got "orders"`},
		{`{"path": "/orders"}`, "", `"backend" must be an http or https URL, got ""`},
		{`{"path": "/orders", "backend": "orders:8080"}`, "", `"backend" must be an http or https URL`},
		{`{"path": "/orders", "backend": "http://"}`, "", `"backend" must be an http or https URL`},
	} {
		r, err := parseService("x", []byte(tc.json))
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.json, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.json, err)
		case tc.err == "":
			want, _ := eskip.Parse(tc.route)
			if !eskip.Eq(r, want[0]) {
				t.Errorf("%s: route %s, want %s", tc.json, r, want[0])
			}
		}
	}
}

func TestRouteID(t *testing.T) {
	for name, want := range map[string]string{
		"orders":     "catalog_orders",
		"orders-api": "catalog_orders_api",
		"v2_Users":   "catalog_v2_Users",
		"my service": "",
		"orders.v2":  "",
		"bücher":     "",
	} {
		id, err := routeID(name)
		if id != want || (err != nil) != (want == "") {
			t.Errorf("%q: %q, %v; want %q", name, id, err, want)
		}
	}
}

// TestCatalog drives the client as the Poller does: LoadAll, then
// LoadUpdate after each change of the directory.
func TestCatalog(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("orders.json", `{"path": "/orders", "backend": "http://orders"}`)
	write("users.json", `{"path": "/users", "backend": "http://users"}`)
	write("broken.json", `{"path": "/broken",`)
	write("my service.json", `{"path": "/my", "backend": "http://my"}`)
	write("notes.txt", "not a service file")
	log, hook := test.NewNullLogger()
	c := newCatalog(dir, log)

	ids := func(routes []*eskip.Route) string {
		var s []string
		for _, r := range routes {
			s = append(s, r.Id+"="+r.Backend)
		}
		return strings.Join(s, " ")
	}
	routes, err := c.LoadAll()
	if err != nil || ids(routes) != "catalog_orders=http://orders catalog_users=http://users" {
		t.Fatalf("LoadAll: %s, %v", ids(routes), err)
	}
	if n := len(hook.AllEntries()); n != 2 {
		t.Errorf("%d log entries, want 2 (broken.json, my service.json)", n)
	}

	// Every route again, nothing deleted, nothing logged again: the Poller
	// drops what did not change.
	upserts, deletes, err := c.LoadUpdate()
	if err != nil || ids(upserts) != "catalog_orders=http://orders catalog_users=http://users" || len(deletes) != 0 {
		t.Errorf("unchanged: %s, %v, %v", ids(upserts), deletes, err)
	}
	if n := len(hook.AllEntries()); n != 2 {
		t.Errorf("%d log entries after an unchanged poll, want still 2", n)
	}

	// users.json is removed, broken.json fixed, orders.json breaks: its
	// route is neither upserted nor deleted, so it stays in effect.
	os.Remove(filepath.Join(dir, "users.json"))
	write("broken.json", `{"path": "/broken", "backend": "http://fixed"}`)
	write("orders.json", `{"path": "/orders", "backend": ""}`)
	upserts, deletes, err = c.LoadUpdate()
	if err != nil || ids(upserts) != "catalog_broken=http://fixed" || !slices.Equal(deletes, []string{"catalog_users"}) {
		t.Errorf("changed: %s, %v, %v", ids(upserts), deletes, err)
	}
	if last := hook.LastEntry(); last == nil || !strings.Contains(last.Message, "orders.json: \"backend\" must be") {
		t.Errorf("last log entry %v, want the broken orders.json", last)
	}

	// A directory that cannot be read is an error: the Poller keeps the
	// routes in effect.
	c = newCatalog(filepath.Join(dir, "missing"), log)
	if _, err := c.LoadAll(); err == nil {
		t.Error("LoadAll of a missing directory: no error")
	}
}
