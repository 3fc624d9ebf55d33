package e2e

import (
	"testing"

	"github.com/skiff-proxy/skiff"
)

func TestEditAndCloneRoute(t *testing.T) {
	in := start(t, routes(
		`a: Path("/a") && QueryParam("v", "1") -> setResponseHeader("X-Tag", "orig") -> inlineContent("a") -> <shunt>;`,
		`b: Path("/b") -> inlineContent("b") -> <shunt>;`,
	), skiff.Options{
		CloneRoute: []string{`/QueryParam[(]"v", "1"[)]/QueryParam("v", "2")/`},
		EditRoute:  []string{`/"orig"/"edited"/`},
	})
	check := func(t *testing.T, path string, status int, tag, body string) {
		t.Helper()
		r := in.get(t, path)
		if r.status != status || r.header.Get("X-Tag") != tag || r.body != body {
			t.Errorf("%s: got %d X-Tag %q %q, want %d %q %q", path, r.status, r.header.Get("X-Tag"), r.body, status, tag, body)
		}
	}
	for _, tc := range []struct {
		path   string
		status int
		tag    string
		body   string
	}{
		{"/a?v=1", 200, "edited", "a"}, // edited in place
		{"/a?v=2", 200, "edited", "a"}, // the clone, edited too
		{"/a?v=3", 404, "", "Not Found\n"},
		{"/b", 200, "", "b"},
	} {
		check(t, tc.path, tc.status, tc.tag, tc.body)
	}

	// A changed route is cloned and edited again; a deleted one takes its
	// clone with it.
	writeFile(t, in.routesFile, routes(
		`a: Path("/a") && QueryParam("v", "1") -> setResponseHeader("X-Tag", "orig") -> inlineContent("a2") -> <shunt>;`,
	))
	waitFor(t, func() bool { return in.get(t, "/b").status == 404 })
	check(t, "/a?v=1", 200, "edited", "a2")
	check(t, "/a?v=2", 200, "edited", "a2")
	writeFile(t, in.routesFile, routes(`b: Path("/b") -> inlineContent("b") -> <shunt>;`))
	waitFor(t, func() bool { return in.get(t, "/a?v=2").status == 404 })
	check(t, "/b", 200, "", "b")
}

func TestEditRouteBadRule(t *testing.T) {
	for _, o := range []skiff.Options{
		{InlineRoutes: `r: * -> <shunt>`, EditRoute: []string{`/a/b`}},
		{InlineRoutes: `r: * -> <shunt>`, CloneRoute: []string{`/a/b/c/d`}},
	} {
		if err := skiff.Run(t.Context(), o); err == nil {
			t.Errorf("%+v: Run accepted a bad rule", o)
		}
	}
}
