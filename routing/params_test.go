package routing

import (
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestParamsAccumulateAcrossMatches(t *testing.T) {
	tbl := Build([]*eskip.Route{
		route("outer", p("Path", "/o/:id")),
		route("inner", p("Path", "/i/:id/:other")),
	}, testOptions())
	var ps Params
	if tbl.Match(req("GET", "/o/1"), &ps) == nil {
		t.Fatal("no outer match")
	}
	mark := ps.Len()
	// a loopback re-match adds its values; the innermost wins
	if tbl.Match(req("GET", "/i/2/x"), &ps) == nil {
		t.Fatal("no inner match")
	}
	if ps.Get("id") != "2" || ps.Get("other") != "x" || ps.Len() != 3 {
		t.Fatalf("after inner: id=%q other=%q len=%d", ps.Get("id"), ps.Get("other"), ps.Len())
	}
	if n, v := ps.At(0); n != "id" || v != "1" {
		t.Errorf("At(0) = %s=%s", n, v)
	}
	ps.Truncate(mark)
	if ps.Get("id") != "1" || ps.Get("other") != "" {
		t.Errorf("after truncate: id=%q other=%q", ps.Get("id"), ps.Get("other"))
	}
	// a failed match leaves p as it was
	if tbl.Match(req("GET", "/i/2"), &ps) != nil || ps.Len() != 1 {
		t.Errorf("failed match changed params: len %d", ps.Len())
	}
	ps.Reset()
	if ps.Len() != 0 || ps.Get("id") != "" {
		t.Error("Reset kept values")
	}
}

func TestLegacyMergeOverwrites(t *testing.T) {
	// generic Method/Header predicates (JSON or Go input) overwrite
	// earlier ones of the same name; Host and PathRegexp add up
	def := route("m", p("Path", "/m"), p("Method", "GET"), p("Method", "PUT"),
		p("Header", "x-a", "1"), p("Header", "X-A", "2"), p("Host", "^h$"), p("Host", "h"))
	tbl := Build([]*eskip.Route{def}, testOptions())
	if len(tbl.Routes()) != 1 {
		t.Fatal(tbl.Invalid())
	}
	runMatchCases(t, tbl, []mc{
		{"PUT", "http://h/m", []string{"X-A", "2"}, "m", nil},
		{"GET", "http://h/m", []string{"X-A", "2"}, "", nil},
		{"PUT", "http://h/m", []string{"X-A", "1"}, "", nil},
	})
	// Method 1 + Header 1 + 2 Host
	if w := tbl.Routes()[0].Weight; w != 4 {
		t.Errorf("weight %d, want 4", w)
	}
	if len(def.HostRegexps) != 0 {
		t.Error("definition modified")
	}
}
