package routing

import (
	"fmt"
	"net/http"
	"strings"
)

// The verdicts of Explain: every candidate route of a request and why it
// won or lost.
//
// Match stops at the first route whose conditions hold. To give every
// candidate a verdict, candidateLists walks the tree the way search.walk
// does (tree.go), but through every branch: per segment the static child,
// then the :param child, then the free wildcard, each leaf's candidates in
// the merge order of search.leafIn (general list and the request host's
// chain, by weight then id), and the routes without a path last (Table.match).
// That order is the precedence order, so the first route that matches in
// it is the one Match returns; explain_test.go checks that on generated
// tables.

// candidateList is one leaf the walk reaches.
type candidateList struct {
	root bool     // the routes without Path or PathSubtree
	segs []string // the walked key, as the tracer records it
	// entries are the leaf's candidates for the request's host, in the
	// matcher's order; others are those filed under other hosts.
	entries []*entry
	others  []*entry
}

// candidateLists returns the leaves a request reaches, in the order of the
// tree walk.
func (t *Table) candidateLists(r *http.Request, cleaned string) []candidateList {
	c := listCollector{host: r.Host, path: cleaned}
	if t.ignoreTrailingSlash {
		c.path = stripTrailingSlash(c.path)
	}
	c.walk(&t.tree, 1)
	c.add(t.root, true)
	return c.lists
}

type listCollector struct {
	host, path string
	segs       []string
	lists      []candidateList
}

// walk mirrors search.walk without stopping at a match: i is the start of
// the next segment of path, i > len(path) when the path is consumed.
func (c *listCollector) walk(n *node, i int) {
	if i > len(c.path) {
		if n.leaf != nil {
			c.add(n.leaf, false)
		}
		return
	}
	j := strings.IndexByte(c.path[i:], '/')
	if j < 0 {
		j = len(c.path)
	} else {
		j += i
	}
	seg := c.path[i:j]
	if n.static != nil {
		if ch := n.static[seg]; ch != nil {
			c.segs = append(c.segs, seg)
			c.walk(ch, j+1)
			c.segs = c.segs[:len(c.segs)-1]
		}
	}
	if n.param != nil && seg != "" {
		c.segs = append(c.segs, ":")
		c.walk(n.param, j+1)
		c.segs = c.segs[:len(c.segs)-1]
	}
	if n.free != nil && i < len(c.path) {
		c.segs = append(c.segs, "*")
		c.add(n.free, false)
		c.segs = c.segs[:len(c.segs)-1]
	}
}

// add lists the candidates of l in the order of search.leafIn.
func (c *listCollector) add(l *leaf, root bool) {
	cl := candidateList{root: root, segs: append([]string(nil), c.segs...)}
	g := l.general
	h := l.hosts.get(c.host)
	i := 0
	for i < len(g) || h != nil {
		if h == nil || (i < len(g) && g[i].before(h)) {
			cl.entries = append(cl.entries, g[i])
			i++
		} else {
			cl.entries = append(cl.entries, h)
			h = h.next
		}
	}
	l.hosts.each(func(host string, e *entry) {
		if host == c.host || isKeyedIndexKey(host) {
			// Keyed routes are never candidates by host (keyed.go).
			return
		}
		for ; e != nil; e = e.next {
			cl.others = append(cl.others, e)
		}
	})
	sortEntries(cl.others)
	c.lists = append(c.lists, cl)
}

// verdict is one candidate before it is rendered.
type verdict struct {
	e         *entry
	list      int
	root      bool
	key       string
	res       verdictKind
	otherHost bool
	tried     bool
}

// verdicts judges every candidate of r. winner is what the traced search
// returned and tried what it evaluated, with the results: those routes
// are not evaluated again.
func (t *Table) verdicts(r *http.Request, cleaned string, winner *Route, tr *tracer) []ExplainVerdict {
	tried := tr.tried
	var vs []verdict
	seen := map[*Route]bool{}
	first := 0
	if e := tr.keyedWinner; e != nil {
		// The index chose the winner before any list of the tree.
		seen[e.route] = true
		vs = append(vs, verdict{e: e, root: true, key: KeyedStepKey, tried: true})
		first = 1
	}
	for li, cl := range t.candidateLists(r, cleaned) {
		li += first
		key := func(e *entry) string {
			if cl.root {
				return ""
			}
			return renderKey(cl.segs, e.key.names)
		}
		for _, e := range cl.entries {
			// Each key of a route fits other paths, so a route meets a
			// request once; seen only guards against a repeat.
			if seen[e.route] {
				continue
			}
			seen[e.route] = true
			v := verdict{e: e, list: li, root: cl.root, key: key(e)}
			v.res, v.tried = tried[e.route]
			if !v.tried {
				v.res.kind, v.res.idx = e.m.failing(r, cleaned, e.route.Predicates)
			}
			vs = append(vs, v)
		}
		// A HostAny route is filed under each of its hosts: it gets one
		// verdict, none here if it was a candidate for the request's host.
		for _, e := range cl.others {
			if seen[e.route] {
				continue
			}
			seen[e.route] = true
			vs = append(vs, verdict{e: e, list: li, root: cl.root, key: key(e), otherHost: true})
		}
	}

	var w *verdict
	for i := range vs {
		if v := &vs[i]; v.e.route == winner && !v.otherHost {
			w = v
			break
		}
	}
	out := make([]ExplainVerdict, len(vs))
	for i := range vs {
		v := &vs[i]
		ev := ExplainVerdict{Route: v.e.route, List: v.list, Key: v.key, Tried: v.tried}
		switch {
		case v.otherHost:
			ev.Outcome = ExplainOtherHost
			ev.Failed, ev.Why = otherHostFailure(v.e, r)
			ev.Reason = fmt.Sprintf("%s failed: %s (filed under other hosts, not tried)", ev.Failed, ev.Why)
		case v.res.kind != condNone:
			ev.Outcome = ExplainFailed
			ev.Failed, ev.Why = describeFailure(v.e, v.res.kind, v.res.idx, r)
			ev.Reason = ev.Failed + " failed: " + ev.Why
		case v == w:
			ev.Outcome = ExplainWon
			ev.Reason = "matched: wins"
		case w == nil:
			// Only when the walk above and the matcher's disagree, which
			// the tests rule out; say what is known.
			ev.Outcome = ExplainOutranked
			ev.Reason = "matched, but the matcher chose another route"
			if winner != nil {
				ev.Reason = "matched, but route " + winner.Id + " wins"
			}
		default:
			ev.Outcome = ExplainOutranked
			ev.By, ev.Reason = outranked(w, v)
		}
		out[i] = ev
	}
	return out
}

// outranked says why the winner w comes before v, a later route that
// matched too, by the precedence rules: the tree walk's order of leaves
// (tree.go), the routes without a path after every leaf (Table.match),
// then weight and id within a leaf (entry.before).
func outranked(w, v *verdict) (ExplainRule, string) {
	id := w.e.route.Id
	switch {
	case v.list != w.list && v.root:
		return ExplainByHasPath, fmt.Sprintf("matched, but route %s wins (it has a path: routes without Path/PathSubtree count only when no route with a path matches)", id)
	case v.list != w.list:
		return ExplainByPath, fmt.Sprintf("matched, but route %s wins (its path %s is tried before %s, whatever the weights)", id, w.key, v.key)
	case w.e.weight != v.e.weight:
		return ExplainByWeight, fmt.Sprintf("matched, but route %s wins (weight %d > %d)", id, w.e.weight, v.e.weight)
	}
	return ExplainByID, fmt.Sprintf("matched, but route %s wins (same weight %d, then id: %q < %q)", id, w.e.weight, id, v.e.route.Id)
}
