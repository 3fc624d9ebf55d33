package routing

import (
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func parse(t *testing.T, doc string) []*eskip.Route {
	t.Helper()
	defs, err := eskip.ParseDocument("test.eskip", []byte(doc))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return defs
}

func TestExplain(t *testing.T) {
	defs := parse(t, `
		users: Path("/api/users/:id") && Method("GET") -> "http://a";
		beta: Path("/api/users/:id") && Method("GET") && Header("X-Beta", "1") -> "http://b";
		rx: Path("/api/users/:id") && HeaderRegexp("X-R", /^v[0-9]$/) && Weight(5) -> "http://c";
		custom: Path("/api/users/:id") && HeaderIs("X-C", "1") && Weight(4) -> "http://d";
		hostRx: Path("/api/users/:id") && Host(/^api/) && Weight(3) -> "http://e";
		pathRx: Path("/api/users/:id") && PathRegexp(/[0-9]+$/) && Weight(2) -> "http://e2";
		sub: Host("^api[.]example[.]org$") && PathSubtree("/api") -> "http://f";
		subOther: Host("^other[.]example[.]org$") && PathSubtree("/api") -> "http://g";
		root: Method("DELETE") -> "http://h";
	`)
	tbl := Build(defs, testOptions())
	if len(tbl.Invalid()) > 0 {
		t.Fatal(tbl.Invalid())
	}

	ex := tbl.Explain(req("POST", "http://x.example.org/api/users/abc", "X-R", "w1"))
	if ex.Route != nil {
		t.Fatalf("want no match, got %s", ex.Route.Id)
	}
	var got []string
	for _, st := range ex.Steps {
		for _, c := range st.Candidates {
			got = append(got, st.Key+" "+c.Route.Id+": "+c.Failed+" / "+c.Why)
		}
	}
	want := []string{
		`/api/users/:id rx: HeaderRegexp("X-R", /^v[0-9]$/) / header X-R is "w1"`,
		`/api/users/:id custom: HeaderIs("X-C", "1") / predicate did not match`,
		`/api/users/:id hostRx: Host(/^api/) / host is "x.example.org"`,
		`/api/users/:id pathRx: PathRegexp(/[0-9]+$/) / path is "/api/users/abc"`,
		`/api/users/:id beta: Method("GET") / method is POST`,
		`/api/users/:id users: Method("GET") / method is POST`,
		` root: Method("DELETE") / method is POST`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("candidates:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	ex = tbl.Explain(req("GET", "http://api.example.org/api/users/7/x"))
	if ex.Route == nil || ex.Route.Id != "sub" || len(ex.Params) != 1 || ex.Params[0] != (ExplainParam{"*", "/users/7/x"}) {
		t.Fatalf("got %+v", ex)
	}
	last := ex.Steps[len(ex.Steps)-1]
	if last.Key != "/api/**" || last.OtherHosts != 1 || len(last.Candidates) != 1 || !last.Candidates[0].Matched {
		t.Errorf("last step %+v", last)
	}

	ex = tbl.Explain(req("GET", "http://www.example.org/api/users/7", "X-Beta", "1"))
	if ex.Route == nil || ex.Route.Id != "pathRx" || ex.Path != "/api/users/7" || ex.Host != "www.example.org" {
		t.Fatalf("got %+v", ex)
	}

	// Explain agrees with Match
	for _, r := range []string{"/api", "/api/", "/api/users/1", "/nothing"} {
		for _, m := range []string{"GET", "DELETE"} {
			rq := req(m, "http://api.example.org"+r)
			var ps Params
			want := tbl.Match(rq, &ps)
			if got := tbl.Explain(rq).Route; got != want {
				t.Errorf("%s %s: Explain %v, Match %v", m, r, got, want)
			}
		}
	}
}
