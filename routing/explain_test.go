package routing

import (
	"fmt"
	"math/rand/v2"
	"net/http"
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

// verdictLines renders verdicts one per line: key, id, outcome, whether
// Match tried it, and the reason.
func verdictLines(ex Explanation) []string {
	var out []string
	for _, v := range ex.Verdicts {
		tried := "untried"
		if v.Tried {
			tried = "tried"
		}
		out = append(out, fmt.Sprintf("%s %s %s %s: %s", v.Key, v.Route.Id, v.Outcome, tried, v.Reason))
	}
	return out
}

func TestExplainVerdicts(t *testing.T) {
	type request struct {
		method, target string
		hdr            []string
		winner         string
		verdicts       []string
	}
	tests := []struct {
		name     string
		doc      string
		ignoreTS bool
		requests []request
	}{
		{
			name: "a route ranked after the winner says why it did not serve",
			doc: `
				get: Path("/x") && Weight(5) -> "http://a";
				post: Path("/x") && Method("POST") -> "http://b";
				any: * -> "http://c";
			`,
			requests: []request{
				{"GET", "/x", nil, "get", []string{
					`/x get won tried: matched: wins`,
					`/x post failed untried: Method("POST") failed: method is GET`,
					` any outranked untried: matched, but route get wins (it has a path: routes without Path/PathSubtree count only when no route with a path matches)`,
				}},
				{"POST", "/x", nil, "get", []string{
					`/x get won tried: matched: wins`,
					`/x post outranked untried: matched, but route get wins (weight 5 > 1)`,
					` any outranked untried: matched, but route get wins (it has a path: routes without Path/PathSubtree count only when no route with a path matches)`,
				}},
				{"GET", "/y", nil, "any", []string{
					` any won tried: matched: wins`,
				}},
			},
		},
		{
			name: "ties by id, paths before weights, backtracking",
			doc: `
				b: Path("/api/users/:id") -> "http://b";
				a: Path("/api/users/:id") -> "http://a";
				c: Path("/api/users/:id") && Method("DELETE") -> "http://c";
				heavy: Path("/api/:section/:id") && Weight(100) -> "http://h";
				sub: PathSubtree("/api") -> "http://s";
				rest: Path("/api/*rest") && Weight(3) -> "http://r";
			`,
			requests: []request{
				{"GET", "/api/users/7", nil, "a", []string{
					`/api/users/:id c failed tried: Method("DELETE") failed: method is GET`,
					`/api/users/:id a won tried: matched: wins`,
					`/api/users/:id b outranked untried: matched, but route a wins (same weight 0, then id: "a" < "b")`,
					`/api/:section/:id heavy outranked untried: matched, but route a wins (its path /api/users/:id is tried before /api/:section/:id, whatever the weights)`,
					`/api/*rest rest outranked untried: matched, but route a wins (its path /api/users/:id is tried before /api/*rest, whatever the weights)`,
					`/api/** sub outranked untried: matched, but route a wins (its path /api/users/:id is tried before /api/**, whatever the weights)`,
				}},
				{"GET", "/api/users", nil, "rest", []string{
					`/api/*rest rest won tried: matched: wins`,
					`/api/** sub outranked untried: matched, but route rest wins (weight 3 > 0)`,
				}},
				{"GET", "/api", nil, "sub", []string{
					`/api sub won tried: matched: wins`,
				}},
			},
		},
		{
			name: "hosts: index, HostAny, regexps",
			doc: `
				exact: Host("^api[.]example[.]org$") && PathSubtree("/") -> "http://e";
				other: Host(/^other\.example\.org$/) && PathSubtree("/") -> "http://o";
				anyHost: HostAny("a.org", "b.org") && PathSubtree("/") -> "http://any";
				// weight 2: tried before the others
				rx: Host(/^api/) && PathSubtree("/") && Method("PUT") -> "http://rx";
				rootOther: Host("^z[.]org$") -> "http://z";
			`,
			requests: []request{
				{"GET", "http://api.example.org/p", nil, "exact", []string{
					`/** rx failed tried: Method("PUT") failed: method is GET`,
					`/** exact won tried: matched: wins`,
					`/** anyHost other host untried: HostAny("a.org", "b.org") failed: host is "api.example.org" (filed under other hosts, not tried)`,
					`/** other other host untried: Host(/^other\.example\.org$/) failed: host is "api.example.org" (filed under other hosts, not tried)`,
					` rootOther other host untried: Host(/^z[.]org$/) failed: host is "api.example.org" (filed under other hosts, not tried)`,
				}},
				{"PUT", "http://b.org/p", nil, "anyHost", []string{
					`/** rx failed tried: Host(/^api/) failed: host is "b.org"`,
					`/** anyHost won tried: matched: wins`,
					`/** exact other host untried: Host(/^api[.]example[.]org$/) failed: host is "b.org" (filed under other hosts, not tried)`,
					`/** other other host untried: Host(/^other\.example\.org$/) failed: host is "b.org" (filed under other hosts, not tried)`,
					` rootOther other host untried: Host(/^z[.]org$/) failed: host is "b.org" (filed under other hosts, not tried)`,
				}},
				{"GET", "http://nowhere/p", nil, "", []string{
					`/** rx failed tried: Method("PUT") failed: method is GET`,
					`/** anyHost other host untried: HostAny("a.org", "b.org") failed: host is "nowhere" (filed under other hosts, not tried)`,
					`/** exact other host untried: Host(/^api[.]example[.]org$/) failed: host is "nowhere" (filed under other hosts, not tried)`,
					`/** other other host untried: Host(/^other\.example\.org$/) failed: host is "nowhere" (filed under other hosts, not tried)`,
					` rootOther other host untried: Host(/^z[.]org$/) failed: host is "nowhere" (filed under other hosts, not tried)`,
				}},
			},
		},
		{
			name: "every kind of failed predicate, with its arguments",
			doc: `
				m: Path("/p") && Method("POST") -> "http://m";
				h: Path("/p") && Header("X-A", "1") -> "http://h";
				hr: Path("/p") && HeaderRegexp("X-B", /^v/) -> "http://hr";
				pr: Path("/p") && PathRegexp(/q$/) -> "http://pr";
				c: Path("/p") && HeaderIs("X-C", "on") -> "http://c";
				ok: Path("/p") && Weight(-10) -> "http://ok";
			`,
			requests: []request{
				{"GET", "/p", []string{"X-A", "2", "X-B", "w"}, "ok", []string{
					`/p c failed tried: HeaderIs("X-C", "on") failed: predicate did not match`,
					`/p h failed tried: Header("X-A", "1") failed: header X-A is "2"`,
					`/p hr failed tried: HeaderRegexp("X-B", /^v/) failed: header X-B is "w"`,
					`/p m failed tried: Method("POST") failed: method is GET`,
					`/p pr failed tried: PathRegexp(/q$/) failed: path is "/p"`,
					`/p ok won tried: matched: wins`,
				}},
			},
		},
		{
			name:     "trailing slash ignored",
			ignoreTS: true,
			doc: `
				slash: Path("/a/") && Weight(1) -> "http://s";
				plain: Path("/a") -> "http://p";
			`,
			requests: []request{
				{"GET", "/a/", nil, "slash", []string{
					`/a slash won tried: matched: wins`,
					`/a plain outranked untried: matched, but route slash wins (weight 1 > 0)`,
				}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions()
			o.IgnoreTrailingSlash = tc.ignoreTS
			tbl := Build(parse(t, tc.doc), o)
			if len(tbl.Invalid()) > 0 {
				t.Fatal(tbl.Invalid())
			}
			for _, rq := range tc.requests {
				target := rq.target
				if strings.HasPrefix(target, "/") {
					target = "http://x.org" + target
				}
				r := req(rq.method, target, rq.hdr...)
				ex := tbl.Explain(r)
				got := ""
				if ex.Route != nil {
					got = ex.Route.Id
				}
				if want, _ := matchID(t, tbl, r); got != rq.winner || got != want {
					t.Errorf("%s %s: Explain names %q, Match %q, want %q", rq.method, target, got, want, rq.winner)
				}
				if lines := verdictLines(ex); strings.Join(lines, "\n") != strings.Join(rq.verdicts, "\n") {
					t.Errorf("%s %s verdicts:\n%s\nwant:\n%s", rq.method, target, strings.Join(lines, "\n"), strings.Join(rq.verdicts, "\n"))
				}
			}
		})
	}
}

// refKinds is the reference's rank of a route for a request path: the
// segment kinds of the key that fits the path (refKeyMatch), nil for a
// route without a path; ok is false when no key fits.
func refKinds(tbl *Table, m *matcher, path string) (kinds []int, ok bool) {
	kps, n := m.tree.keyPaths(tbl.ignoreTrailingSlash)
	if n == 0 {
		return nil, true
	}
	for _, kp := range kps[:n] {
		if kinds, _, ok := refKeyMatch(kp, path); ok {
			return kinds, true
		}
	}
	return nil, false
}

// refKindsLess orders keys as refMatch does: per segment static, :param,
// free wildcard; a prefix first.
func refKindsLess(a, b []int) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

// checkExplain checks Explain against Match and against the reference
// (hostindex_test.go), which shares no lookup code with either.
func checkExplain(t *testing.T, tbl *Table, ms map[*Route]*matcher, noIndex bool, r *http.Request, seenRules map[string]int) {
	t.Helper()
	desc := fmt.Sprintf("%s %s%s X-T=%q", r.Method, r.Host, r.URL.Path, r.Header.Get("X-T"))
	var ps Params
	want := tbl.Match(r, &ps)
	ex := tbl.Explain(r)
	if ex.Route != want {
		t.Fatalf("%s: Explain names %v, Match returns %v", desc, ex.Route, want)
	}
	if len(ex.Params) != ps.Len() {
		t.Fatalf("%s: Explain params %v, Match %d", desc, ex.Params, ps.Len())
	}
	for i, p := range ex.Params {
		if n, v := ps.At(i); p.Name != n || p.Value != v {
			t.Fatalf("%s: param %d is %s=%q, Match %s=%q", desc, i, p.Name, p.Value, n, v)
		}
	}

	cleaned := cleanPath(r.URL.Path)
	path := cleaned
	if tbl.ignoreTrailingSlash {
		path = stripTrailingSlash(path)
	}
	// every route whose key fits the path, and every route without one
	expect := map[*Route]bool{}
	for _, rt := range tbl.Routes() {
		if _, ok := refKinds(tbl, ms[rt], path); ok {
			expect[rt] = true
		}
	}
	seen := map[*Route]bool{}
	var won *ExplainVerdict
	var tried []*Route
	for i := range ex.Verdicts {
		v := &ex.Verdicts[i]
		id := v.Route.Id
		if seen[v.Route] || !expect[v.Route] {
			t.Fatalf("%s: verdict for %s: repeated or not a candidate", desc, id)
		}
		seen[v.Route] = true
		m := ms[v.Route]
		matches := m.matches(r, cleaned, v.Route.Predicates)
		switch v.Outcome {
		case ExplainWon:
			if won != nil || !matches || v.Route != want || !v.Tried {
				t.Fatalf("%s: %s won (matches %v, Match %v, tried %v)", desc, id, matches, want, v.Tried)
			}
			won = v
		case ExplainOutranked:
			if won == nil || !matches || v.Tried {
				t.Fatalf("%s: %s outranked (winner %v, matches %v, tried %v)", desc, id, won, matches, v.Tried)
			}
			wk, _ := refKinds(tbl, ms[won.Route], path)
			vk, _ := refKinds(tbl, m, path)
			ok := false
			switch v.By {
			case ExplainByWeight:
				ok = v.List == won.List && won.Route.Weight > v.Route.Weight
			case ExplainByID:
				ok = v.List == won.List && won.Route.Weight == v.Route.Weight && won.Route.Id < id
			case ExplainByHasPath:
				ok = v.Key == "" && won.Key != "" && vk == nil && wk != nil
			case ExplainByPath:
				ok = v.List != won.List && v.Key != "" && refKindsLess(wk, vk)
			}
			if !ok {
				t.Fatalf("%s: %s outranked by %s, rule %v does not hold: %s", desc, id, won.Route.Id, v.By, v.Reason)
			}
		case ExplainFailed:
			if matches || v.Failed == "" || v.Why == "" {
				t.Fatalf("%s: %s failed but matches %v: %s", desc, id, matches, v.Reason)
			}
			// tried when ranked before the winner, if any
			if v.Tried != (won == nil) {
				t.Fatalf("%s: %s tried %v, winner %v", desc, id, v.Tried, won)
			}
		case ExplainOtherHost:
			if noIndex || matches || v.Tried || !strings.Contains(v.Failed, "Host") {
				t.Fatalf("%s: %s of another host (matches %v, tried %v): %s", desc, id, matches, v.Tried, v.Reason)
			}
		default:
			t.Fatalf("%s: %s: outcome %v", desc, id, v.Outcome)
		}
		seenRules[v.Outcome.String()]++
		if v.By != 0 {
			seenRules[v.By.String()]++
		}
		if v.Tried {
			if won != nil && v != won {
				t.Fatalf("%s: %s tried after the winner %s", desc, id, won.Route.Id)
			}
			tried = append(tried, v.Route)
		}
		if i > 0 {
			p := &ex.Verdicts[i-1]
			pk, _ := refKinds(tbl, ms[p.Route], path)
			vk, _ := refKinds(tbl, m, path)
			switch {
			case p.List > v.List:
				t.Fatalf("%s: lists out of order at %s", desc, id)
			case p.List < v.List:
				// the next leaf of the walk; the routes without a path last
				if p.Key == "" || v.Key != "" && !refKindsLess(pk, vk) {
					t.Fatalf("%s: list of %s (%s) after that of %s (%s)", desc, id, v.Key, p.Route.Id, p.Key)
				}
			case p.Outcome == ExplainOtherHost && v.Outcome != ExplainOtherHost:
				t.Fatalf("%s: %s after a route of another host", desc, id)
			case (p.Outcome == ExplainOtherHost) == (v.Outcome == ExplainOtherHost):
				pe := &entry{weight: p.Route.Weight, route: p.Route}
				if !pe.before(&entry{weight: v.Route.Weight, route: v.Route}) {
					t.Fatalf("%s: %s (weight %d) after %s (weight %d) in one list", desc, id, v.Route.Weight, p.Route.Id, p.Route.Weight)
				}
			}
		}
	}
	if len(seen) != len(expect) {
		t.Fatalf("%s: %d verdicts, %d candidates", desc, len(seen), len(expect))
	}
	if (won == nil) != (want == nil) {
		t.Fatalf("%s: winner %v, Match %v", desc, won, want)
	}
	// The tried verdicts are what the steps say Match evaluated.
	var stepped []*Route
	inSteps := map[*Route]bool{}
	for si, st := range ex.Steps {
		for ci, c := range st.Candidates {
			// A HostAny that names a host twice files the route twice
			// under it, and Match evaluates it twice; one verdict.
			if !inSteps[c.Route] {
				stepped = append(stepped, c.Route)
				inSteps[c.Route] = true
			}
			last := si == len(ex.Steps)-1 && ci == len(st.Candidates)-1
			if c.Matched != (last && want != nil) {
				t.Fatalf("%s: step candidate %s matched %v", desc, c.Route.Id, c.Matched)
			}
		}
	}
	if fmt.Sprint(stepped) != fmt.Sprint(tried) {
		t.Fatalf("%s: steps evaluated %v, tried verdicts %v", desc, stepped, tried)
	}
}

// Explain names the route Match returns, gives every candidate one verdict,
// and ranks them by the precedence rules, over generated tables.
func TestExplainAgreesWithMatch(t *testing.T) {
	cases := 0
	seen := map[string]int{}
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		var defs []*eskip.Route
		// small tables: many routes per leaf, many ties
		for i := range 3 + rng.IntN(60) {
			defs = append(defs, genRoute(rng, i))
		}
		for _, ignore := range []bool{false, true} {
			for _, noIndex := range []bool{false, true} {
				o := testOptions()
				o.IgnoreTrailingSlash = ignore
				o.noHostIndex = noIndex
				if seed%3 == 0 {
					o.shardHosts = 2
				}
				tbl := Build(defs, o)
				if len(tbl.Invalid()) != 0 {
					t.Fatalf("seed %d: invalid %v", seed, tbl.Invalid())
				}
				ms := collectMatchers(tbl)
				for range 100 {
					checkExplain(t, tbl, ms, noIndex, genRequest(rng), seen)
					cases++
				}
			}
		}
	}
	t.Logf("%d requests, verdicts %v", cases, seen)
	// every outcome and rule was exercised
	for _, k := range []string{"won", "failed", "other host", "outranked", "path", "has path", "weight", "id"} {
		if seen[k] == 0 {
			t.Errorf("no verdict %q in the generated cases", k)
		}
	}
}

// countSpec makes Count(id, result) predicates that count their calls per
// id in calls.
type countSpec struct{ calls map[string]int }

func (countSpec) Name() string { return "Count" }
func (s countSpec) Create(args []any) (Predicate, error) {
	id, _ := args[0].(string)
	res, _ := args[1].(string)
	return countPred{s.calls, id, res == "true"}, nil
}

type countPred struct {
	calls  map[string]int
	id     string
	result bool
}

func (p countPred) Match(*http.Request) bool { p.calls[p.id]++; return p.result }

// Each candidate's predicates run once per Explain: the routes Match tried
// keep the traced result, the others are evaluated once to be judged.
func TestExplainEvaluatesOnce(t *testing.T) {
	calls := map[string]int{}
	o := testOptions()
	o.Predicates.Register(countSpec{calls})
	tbl := Build(parse(t, `
		a: Path("/c") && Count("a", "false") && Weight(3) -> "http://a";
		b: Path("/c") && Count("b", "true") && Weight(2) -> "http://b";
		c: Path("/c") && Count("c", "true") -> "http://c";
		d: PathSubtree("/") && Count("d", "false") -> "http://d";
		e: Count("e", "true") -> "http://e";
		elsewhere: Path("/other") && Count("x", "true") -> "http://x";
	`), o)
	if len(tbl.Invalid()) > 0 {
		t.Fatal(tbl.Invalid())
	}
	ex := tbl.Explain(req("GET", "http://h/c"))
	if ex.Route == nil || ex.Route.Id != "b" {
		t.Fatalf("winner %v", ex.Route)
	}
	want := map[string]int{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("predicate calls %v, want %v", calls, want)
	}
	got := verdictLines(ex)
	wantLines := []string{
		`/c a failed tried: Count("a", "false") failed: predicate did not match`,
		`/c b won tried: matched: wins`,
		`/c c outranked untried: matched, but route b wins (weight 3 > 1)`, // Weight(2) and Count: 3
		`/** d failed untried: Count("d", "false") failed: predicate did not match`,
		` e outranked untried: matched, but route b wins (it has a path: routes without Path/PathSubtree count only when no route with a path matches)`,
	}
	if strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("verdicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
	}
	// Match alone stops at the winner.
	clear(calls)
	matchID(t, tbl, req("GET", "http://h/c"))
	if fmt.Sprint(calls) != fmt.Sprint(map[string]int{"a": 1, "b": 1}) {
		t.Errorf("Match called %v", calls)
	}
}
