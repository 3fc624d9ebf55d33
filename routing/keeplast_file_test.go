package routing

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/file"
)

// TestKeepLastValidWithFileClient edits a routes file watched by the file
// data client: a typo in one route keeps that route's last valid version
// in service, listed as stale at the typo's line, logged once; fixing it
// serves the fix; deleting the route while it is stale removes it.
func TestKeepLastValidWithFileClient(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "routes.eskip")
	write := func(text string) {
		t.Helper()
		// a new file renamed over the old one, as editors and deployments do
		tmp := filepath.Join(dir, "routes.eskip.tmp")
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(`a: Path("/a") -> "http://a1";
b: Path("/b") -> status(1) -> "http://b1";
`)
	fileLog, _ := quietLogger()
	log, hook := quietLogger()
	fc := file.New(file.Options{Paths: []string{path}, Log: fileLog})
	rr := startRouting(t, Options{DataClients: []dataclients.DataClient{fc}, Log: log})
	ids := []string{"a", "b", "c"}
	waitForSummary(t, rr.Routing, "first load", "a=a1 b=b1 |", ids)

	// an edit with a typo, one line further down
	write(`a: Path("/a") -> "http://a1";

b: Path("/b") -> staus(2) -> "http://b2";
`)
	tbl := waitForSummary(t, rr.Routing, "typo", "a=a1 b=b1 | b@3:unknown_filter!stale", ids)
	inv := tbl.Invalid()[0]
	if inv.Pos.Source != path || inv.Pos.Column != 1 || inv.Source != fc.Name() {
		t.Errorf("the stale entry says %s from %s, want %s:3:1 from %s", inv.Where(), inv.Source, path, fc.Name())
	}
	// another route changes: nothing more is logged about b
	write(`a: Path("/a") -> "http://a1";

b: Path("/b") -> staus(2) -> "http://b2";
c: Path("/c") -> "http://c1";
`)
	waitForSummary(t, rr.Routing, "c added", "a=a1 b=b1 c=c1 | b@3:unknown_filter!stale", ids)
	var stale []string
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.ErrorLevel && e.Data["route"] == "b" {
			stale = append(stale, e.Message)
		}
	}
	want := "route b: new version invalid (" + path + `:3:1: unknown_filter: unknown filter "staus" (#1)), serving the last valid version`
	if len(stale) != 1 || stale[0] != want {
		t.Errorf("logged about b:\n%s\nwant once:\n%s", strings.Join(stale, "\n"), want)
	}

	// the fix is served, and b is no longer stale
	write(`a: Path("/a") -> "http://a1";

b: Path("/b") -> status(2) -> "http://b2";
c: Path("/c") -> "http://c1";
`)
	waitForSummary(t, rr.Routing, "fixed", "a=a1 b=b2 c=c1 |", ids)

	// broken again, then deleted while stale
	write(`a: Path("/a") -> "http://a1";
b: Path("/b") && HeaderIs("X") -> "http://b3";
c: Path("/c") -> "http://c1";
`)
	waitForSummary(t, rr.Routing, "broken again", "a=a1 b=b2 c=c1 | b@2:invalid_predicate_params!stale", ids)
	write(`a: Path("/a") -> "http://a1";
c: Path("/c") -> "http://c1";
`)
	waitForSummary(t, rr.Routing, "deleted", "a=a1 c=c1 |", ids)
}
