package routing

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

// refMatch is a naive reference matcher written from the spec, sharing no
// lookup code with the table: it checks every route against the request,
// orders path matches the way the tree's depth-first search visits them
// (per segment: static, then :param, then free wildcard), then by weight
// and id, and falls back to routes without a path.
func refMatch(tbl *Table, ms map[*Route]*matcher, r *http.Request) (string, map[string]string) {
	cleaned := cleanPath(r.URL.Path)
	path := cleaned
	if tbl.ignoreTrailingSlash {
		path = stripTrailingSlash(path)
	}
	type cand struct {
		kinds  []int
		e      *entry
		params map[string]string
	}
	var cands, roots []cand
	for _, rt := range tbl.Routes() {
		m := ms[rt]
		kps, n := m.tree.keyPaths(tbl.ignoreTrailingSlash)
		if n == 0 {
			roots = append(roots, cand{e: &entry{weight: rt.Weight, route: rt, m: m}})
			continue
		}
		for _, kp := range kps[:n] {
			kinds, params, ok := refKeyMatch(kp, path)
			if ok {
				cands = append(cands, cand{kinds, &entry{weight: rt.Weight, route: rt, m: m}, params})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		for k := 0; k < len(a.kinds) && k < len(b.kinds); k++ {
			if a.kinds[k] != b.kinds[k] {
				return a.kinds[k] < b.kinds[k]
			}
		}
		if len(a.kinds) != len(b.kinds) {
			return len(a.kinds) < len(b.kinds)
		}
		return a.e.before(b.e)
	})
	for _, c := range cands {
		if c.e.m.matches(r, cleaned, c.e.route.Predicates) {
			return c.e.route.Id, c.params
		}
	}
	sort.SliceStable(roots, func(i, j int) bool { return roots[i].e.before(roots[j].e) })
	for _, c := range roots {
		if c.e.m.matches(r, cleaned, c.e.route.Predicates) {
			return c.e.route.Id, nil
		}
	}
	return "", nil
}

// refKeyMatch matches one key path against a request path.
func refKeyMatch(kp keyPath, path string) ([]int, map[string]string, bool) {
	segs := strings.Split(path[1:], "/")
	params := map[string]string{}
	var kinds []int
	for i := range kp.len() {
		s := kp.at(i)
		switch s.kind {
		case segFree:
			rest := strings.Join(segs[i:], "/")
			if i >= len(segs) || rest == "" {
				return nil, nil, false
			}
			params[s.text] = "/" + rest
			return append(kinds, segFree), params, true
		case segParam:
			if i >= len(segs) || segs[i] == "" {
				return nil, nil, false
			}
			params[s.text] = unescapeParam(segs[i])
		default:
			if i >= len(segs) || segs[i] != s.text {
				return nil, nil, false
			}
		}
		kinds = append(kinds, s.kind)
	}
	if len(segs) != kp.len() {
		return nil, nil, false
	}
	if kp.star {
		params[kp.starName] = "/"
	}
	return kinds, params, true
}

// collectMatchers gives the reference access to each route's matcher.
func collectMatchers(tbl *Table) map[*Route]*matcher {
	ms := map[*Route]*matcher{}
	var visit func(n *node)
	addLeaf := func(l *leaf) {
		for _, e := range l.general {
			ms[e.route] = e.m
		}
		l.hosts.each(func(_ string, e *entry) {
			for ; e != nil; e = e.next {
				ms[e.route] = e.m
			}
		})
	}
	visit = func(n *node) {
		if n.leaf != nil {
			addLeaf(n.leaf)
		}
		if n.free != nil {
			addLeaf(n.free)
		}
		for _, c := range n.static {
			visit(c)
		}
		if n.param != nil {
			visit(n.param)
		}
	}
	visit(&tbl.tree)
	addLeaf(tbl.root)
	return ms
}

var (
	genHosts = []string{"a.example.org", "b.example.org", "c.example.org", "a.example.org:8080", "d.example.org"}
	genSegs  = []string{"api", "v1", "v2", "users", "x"}
)

func genRoute(rng *rand.Rand, i int) *eskip.Route {
	r := &eskip.Route{Id: fmt.Sprintf("r%03d", i), BackendType: eskip.ShuntBackend}
	var preds []*eskip.Predicate
	// host conditions
	switch rng.IntN(6) {
	case 0, 1:
		h := genHosts[rng.IntN(len(genHosts))]
		rx := "^" + strings.ReplaceAll(h, ".", "[.]") + "$"
		if rng.IntN(2) == 0 {
			rx = "^" + strings.ReplaceAll(h, ".", `\.`) + "$"
		}
		r.HostRegexps = append(r.HostRegexps, rx)
	case 2:
		n := 1 + rng.IntN(2)
		var args []any
		for range n {
			args = append(args, genHosts[rng.IntN(len(genHosts))])
		}
		preds = append(preds, p("HostAny", args...))
	case 3:
		r.HostRegexps = append(r.HostRegexps, "^"+string(rune('a'+rng.IntN(3))))
	}
	if rng.IntN(8) == 0 { // a second, exact host on top
		r.HostRegexps = append(r.HostRegexps, "^"+strings.ReplaceAll(genHosts[rng.IntN(len(genHosts))], ".", "[.]")+"$")
	}
	// path
	if rng.IntN(6) != 0 {
		n := rng.IntN(3)
		path := ""
		for range n + 1 {
			switch rng.IntN(6) {
			case 0:
				path += "/:p" + fmt.Sprint(len(path))
			default:
				path += "/" + genSegs[rng.IntN(len(genSegs))]
			}
		}
		switch rng.IntN(4) {
		case 0:
			preds = append(preds, p("PathSubtree", path))
		case 1:
			preds = append(preds, p("Path", path+"/*rest"))
		case 2:
			preds = append(preds, p("Path", path+"/"))
		default:
			r.Path = path
		}
	}
	if rng.IntN(4) == 0 {
		r.Method = []string{"GET", "POST"}[rng.IntN(2)]
	}
	if rng.IntN(5) == 0 {
		preds = append(preds, p("HeaderIs", "X-T", fmt.Sprint(rng.IntN(2))))
	}
	if rng.IntN(3) == 0 {
		preds = append(preds, p("Weight", float64(rng.IntN(4)-1)))
	}
	r.Predicates = preds
	return r
}

func genRequest(rng *rand.Rand) *http.Request {
	path := ""
	for range rng.IntN(5) {
		path += "/" + genSegs[rng.IntN(len(genSegs))]
	}
	if rng.IntN(4) == 0 {
		path += "/"
	}
	r := req([]string{"GET", "POST", "PUT"}[rng.IntN(3)], "http://x"+path)
	r.Host = genHosts[rng.IntN(len(genHosts))]
	if rng.IntN(6) == 0 {
		r.Host = "other.org"
	}
	if rng.IntN(2) == 0 {
		r.Header.Set("X-T", fmt.Sprint(rng.IntN(2)))
	}
	return r
}

func TestHostIndexDifferential(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		var defs []*eskip.Route
		for i := range 20 + rng.IntN(200) {
			defs = append(defs, genRoute(rng, i))
		}
		for _, ignore := range []bool{false, true} {
			o := testOptions()
			o.IgnoreTrailingSlash = ignore
			if seed%2 == 1 {
				o.shardHosts = 2 // exercise split host indexes
			}
			indexed := Build(defs, o)
			if len(indexed.Invalid()) != 0 {
				t.Fatalf("seed %d: invalid %v", seed, indexed.Invalid())
			}
			o.noHostIndex = true
			plain := Build(defs, o)
			ms := collectMatchers(indexed)
			for range 200 {
				r := genRequest(rng)
				var pi, pp Params
				ri, rp := indexed.Match(r, &pi), plain.Match(r, &pp)
				refID, refParams := refMatch(indexed, ms, r)
				idOf := func(r *Route) string {
					if r == nil {
						return ""
					}
					return r.Id
				}
				if idOf(ri) != refID || idOf(rp) != refID {
					t.Fatalf("seed %d ignoreTS=%v %s %s%s X-T=%q: indexed %q, unindexed %q, reference %q",
						seed, ignore, r.Method, r.Host, r.URL.Path, r.Header.Get("X-T"), idOf(ri), idOf(rp), refID)
				}
				for k, v := range refParams {
					if pi.Get(k) != v {
						t.Fatalf("seed %d %s%s route %s: param %s=%q, reference %q", seed, r.Host, r.URL.Path, refID, k, pi.Get(k), v)
					}
				}
				if pi.Len() != len(refParams) {
					t.Fatalf("seed %d %s: %d params, reference %v", seed, r.URL.Path, pi.Len(), refParams)
				}
			}
		}
	}
}

func TestHostIndexSemantics(t *testing.T) {
	defs := []*eskip.Route{
		route("hostOnly", p("Host", "^api[.]example[.]org$")),
		route("deeper", p("Path", "/users")),
		route("hostSub", p("Host", "^api[.]example[.]org$"), p("PathSubtree", "/")),
		route("general", p("PathSubtree", "/"), p("Weight", 1.0)),
		route("any", p("PathSubtree", "/"), p("HostAny", "b.org", "c.org:8080"), p("Weight", 1.0)),
		route("port", p("PathSubtree", "/"), p("Host", `^api\.example\.org:8080$`)),
	}
	tbl := Build(defs, testOptions())
	runMatchCases(t, tbl, []mc{
		// a deeper path wins over a host-indexed subtree route
		{"GET", "http://api.example.org/users", nil, "deeper", nil},
		// weight 1 each: hostSub (weight 1) and general (weight 1) tie; id decides
		{"GET", "http://api.example.org/x", nil, "general", nil},
		{"GET", "http://api.example.org:8080/x", nil, "general", nil},
		{"GET", "http://b.org/x", nil, "any", nil},
		{"GET", "http://c.org/x", nil, "general", nil},
		{"GET", "http://c.org:8080/x", nil, "any", nil},
	})
	// without the general subtree route, host routes decide
	tbl = Build(defs[:3], testOptions())
	runMatchCases(t, tbl, []mc{
		{"GET", "http://api.example.org/x", nil, "hostSub", nil},
		{"GET", "http://api.example.org:80/x", nil, "", nil},
		{"GET", "http://other/x", nil, "", nil},
	})
	tbl = Build([]*eskip.Route{defs[0], defs[5]}, testOptions())
	runMatchCases(t, tbl, []mc{
		{"GET", "http://api.example.org:8080/x", nil, "port", nil},
		{"GET", "http://api.example.org/x", nil, "hostOnly", nil},
	})
}
