package routing

import (
	"fmt"
	"net/http"
	"strings"
)

// Explanation tells how a table chose the route for one request, and why
// every other candidate lost.
type Explanation struct {
	Method string
	Host   string
	Path   string // cleaned request path

	// Route is the winner, nil when no route matches. It is the route
	// Match returns for the same request.
	Route  *Route
	Params []ExplainParam

	// Steps are the candidate lists (tree leaves, then the routes without
	// a path) that Match went through, in order, up to the winner: what
	// the proxy evaluates for this request, no more.
	Steps []ExplainStep

	// Verdicts has one entry for every route that was a candidate: each
	// route whose Path or PathSubtree fits the request path, and each
	// route without Path or PathSubtree; those filed under another exact
	// host included. They are in the matcher's order, the order Match
	// would try them if none matched: candidate list by candidate list as
	// the tree walk visits them (static segment, then :param, then free
	// wildcard; the routes without a path last), in a list by weight
	// (highest first), then id, and in each list the routes of other hosts
	// after the others. The winner is the first that matched; Explain goes
	// on past it, so each route ranked after it says why it lost too.
	Verdicts []ExplainVerdict
}

// ExplainParam is one wildcard value of the winning route.
type ExplainParam struct{ Name, Value string }

// ExplainStep is one list of candidates the matcher evaluated.
type ExplainStep struct {
	// Key is the tree key, e.g. "/api/:id" or "/api/**"; "" for the routes
	// without Path or PathSubtree, which are consulted only when the tree
	// has no match; KeyedStepKey for a route a keyed predicate's index
	// chose before the tree was consulted.
	Key        string
	Candidates []ExplainCandidate
	// OtherHosts counts routes of this list filed under other exact hosts:
	// they cannot match, so they were not evaluated.
	OtherHosts int
}

// KeyedStepKey is the Key of the step and verdict of a route chosen by a
// keyed predicate's index (KeyedPredicateSpec).
const KeyedStepKey = "(index)"

// ExplainCandidate is one evaluated route.
type ExplainCandidate struct {
	Route   *Route
	Matched bool
	// Failed is the first condition that did not hold, e.g.
	// `Method("POST")`, and Why what the request had instead.
	Failed, Why string
}

// ExplainVerdict is what became of one candidate route.
type ExplainVerdict struct {
	Route *Route
	// List numbers the candidate list the route was found in, from 0, in
	// the order the matcher visits them; the verdicts of one list are
	// adjacent.
	List int
	// Key is the tree key of the list, with the route's own wildcard
	// names, e.g. "/api/users/:id", "/api/**"; "" for a route without
	// Path or PathSubtree.
	Key     string
	Outcome ExplainOutcome
	// Tried is true when Match evaluates the route for this request: it
	// ranks before the winner (or nothing matches) and is not filed under
	// another host. Explain evaluated the others only to say why they lose.
	Tried bool
	// Failed is the first predicate that did not hold, with its arguments
	// (e.g. `Method("POST")`), in the order the matcher checks them, and
	// Why is what the request had instead; set for ExplainFailed and
	// ExplainOtherHost.
	Failed, Why string
	// By is the rule that ranks the winner first; set for
	// ExplainOutranked.
	By ExplainRule
	// Reason is the verdict as one line, e.g. `Method("POST") failed:
	// method is GET` or `matched, but route api wins (weight 2 > 1)`.
	Reason string
}

// ExplainOutcome is how a candidate route fared.
type ExplainOutcome uint8

const (
	// ExplainWon: every predicate holds and no route ranks before it.
	ExplainWon ExplainOutcome = iota + 1
	// ExplainFailed: a predicate did not hold (Failed, Why).
	ExplainFailed
	// ExplainOtherHost: the route is filed under other exact hosts (an
	// anchored literal Host regexp or HostAny), so the host index never
	// offers it for this request's host; Failed names that predicate.
	ExplainOtherHost
	// ExplainOutranked: every predicate holds, but the winner ranks first
	// (By says why).
	ExplainOutranked
)

func (o ExplainOutcome) String() string {
	switch o {
	case ExplainWon:
		return "won"
	case ExplainFailed:
		return "failed"
	case ExplainOtherHost:
		return "other host"
	case ExplainOutranked:
		return "outranked"
	}
	return fmt.Sprintf("ExplainOutcome(%d)", uint8(o))
}

// ExplainRule is the precedence rule by which the winner beats another
// matching route, in the order the rules apply (docs/routing.md, "The short
// version").
type ExplainRule uint8

const (
	// ExplainByPath: the winner's candidate list comes first in the tree
	// walk (per segment a static segment before a :param before a free
	// wildcard), whatever the weights.
	ExplainByPath ExplainRule = iota + 1
	// ExplainByHasPath: the winner has a Path or PathSubtree; routes
	// without one count only when no route with a path matches.
	ExplainByHasPath
	// ExplainByWeight: same candidate list, the winner weighs more.
	ExplainByWeight
	// ExplainByID: same list and weight, the winner's id is smaller (byte
	// order).
	ExplainByID
)

func (b ExplainRule) String() string {
	switch b {
	case ExplainByPath:
		return "path"
	case ExplainByHasPath:
		return "has path"
	case ExplainByWeight:
		return "weight"
	case ExplainByID:
		return "id"
	}
	return fmt.Sprintf("ExplainRule(%d)", uint8(b))
}

// Explain matches r like Match and records how. It is meant for tools, not
// for the request path: it allocates, and besides the candidates Match
// evaluates it evaluates those ranked after the winner, to say why they
// lose (each route's predicates run at most once per call; a predicate
// with random draws, like Traffic, draws anew on every call).
func (t *Table) Explain(r *http.Request) Explanation {
	var ps Params
	tr := &tracer{r: r, tried: map[*Route]verdictKind{}}
	// The winner, its parameters and the steps come from the matcher's own
	// search, traced: they are what Match does.
	s := search{r: r, p: &ps, trace: tr}
	rt := t.match(&s)
	ex := Explanation{Method: r.Method, Host: r.Host, Path: s.cleaned, Route: rt, Steps: tr.steps}
	for i := range ps.Len() {
		n, v := ps.At(i)
		ex.Params = append(ex.Params, ExplainParam{n, v})
	}
	ex.Verdicts = t.verdicts(r, s.cleaned, rt, tr)
	return ex
}

// verdictKind is a condition check's result: the kind and index of the
// first condition that failed, as matcher.failing returns them.
type verdictKind struct{ kind, idx int }

// tracer collects the steps of a search.
type tracer struct {
	r     *http.Request
	segs  []string // tree key walked so far: static text, ":" or "*"
	steps []ExplainStep
	// tried holds the result of every route the search evaluated, so that
	// the verdicts reuse it rather than evaluate the predicates again.
	tried map[*Route]verdictKind
	// keyedWinner is set when a keyed predicate's index chose the route.
	keyedWinner *entry
}

// keyed records the route a keyed predicate's index chose: one step of its
// own, before the tree's.
func (t *tracer) keyed(e *entry) {
	t.keyedWinner = e
	t.steps = append(t.steps, ExplainStep{Key: KeyedStepKey})
	t.candidate(e, condNone, 0)
}

func (t *tracer) push(seg string) { t.segs = append(t.segs, seg) }
func (t *tracer) pop()            { t.segs = t.segs[:len(t.segs)-1] }

// beginLeaf starts a step for the leaf about to be evaluated.
func (t *tracer) beginLeaf(l *leaf, r *http.Request, root bool) {
	step := ExplainStep{}
	if !root {
		step.Key = renderKey(t.segs, leafNames(l))
	}
	l.hosts.each(func(h string, e *entry) {
		if h == r.Host {
			return
		}
		for ; e != nil; e = e.next {
			step.OtherHosts++
		}
	})
	t.steps = append(t.steps, step)
}

func (t *tracer) candidate(e *entry, kind, idx int) {
	c := ExplainCandidate{Route: e.route, Matched: kind == condNone}
	if !c.Matched {
		c.Failed, c.Why = describeFailure(e, kind, idx, t.r)
	}
	if _, ok := t.tried[e.route]; !ok {
		t.tried[e.route] = verdictKind{kind, idx}
	}
	st := &t.steps[len(t.steps)-1]
	st.Candidates = append(st.Candidates, c)
}

// leafNames returns the wildcard names of the leaf's first route, for a
// step's key.
func leafNames(l *leaf) []string {
	var names []string
	if len(l.general) > 0 {
		names = l.general[0].key.names
	} else {
		l.hosts.each(func(_ string, e *entry) { names = e.key.names })
	}
	return names
}

// renderKey renders a walked tree key (static text, ":" or "*" per
// segment) with the given wildcard names.
func renderKey(segs, names []string) string {
	var b strings.Builder
	w := 0
	for _, s := range segs {
		b.WriteByte('/')
		switch s {
		case ":", "*":
			name := ""
			if w < len(names) {
				name = names[w]
			}
			w++
			if s == "*" && name == "*" {
				b.WriteString("**")
			} else {
				b.WriteString(s + name)
			}
		default:
			b.WriteString(s)
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// otherHostFailure names the predicate that filed e under other hosts: its
// first exact Host regexp, else its HostAny (matcher.hostKeys).
func otherHostFailure(e *entry, r *http.Request) (failed, why string) {
	if len(e.m.hostExact) > 0 {
		return describeFailure(e, condHost, 0, r)
	}
	for i, p := range e.route.Predicates {
		if _, ok := p.(*hostAny); ok {
			return describeFailure(e, condPredicate, i, r)
		}
	}
	return "Host", fmt.Sprintf("host is %q", r.Host)
}

func describeFailure(e *entry, kind, idx int, r *http.Request) (failed, why string) {
	m := e.m
	switch kind {
	case condMethod:
		return fmt.Sprintf("Method(%q)", m.method), "method is " + r.Method
	case condHost:
		host := fmt.Sprintf("host is %q", r.Host)
		if idx < len(m.hostExact) {
			return exactHostText(e.route, m.hostExact[idx]), host
		}
		return fmt.Sprintf("Host(/%s/)", m.hostRx[idx-len(m.hostExact)]), host
	case condPathRegexp:
		return fmt.Sprintf("PathRegexp(/%s/)", m.pathRx[idx]), fmt.Sprintf("path is %q", cleanPath(r.URL.Path))
	case condHeader:
		h := m.headers[idx]
		return fmt.Sprintf("Header(%q, %q)", h.name, h.value), headerValues(r, h.name)
	case condHeaderRegexp:
		h := m.headerRx[idx]
		rxs := make([]string, len(h.rx))
		for i, rx := range h.rx {
			rxs[i] = "/" + rx.String() + "/"
		}
		return fmt.Sprintf("HeaderRegexp(%q, %s)", h.name, strings.Join(rxs, " and ")), headerValues(r, h.name)
	case condPredicate:
		why := "predicate did not match"
		if _, ok := e.route.Predicates[idx].(*hostAny); ok {
			why = fmt.Sprintf("host is %q", r.Host)
		}
		return customPredicateText(e.route, idx), why
	}
	return "?", ""
}

// exactHostText renders the Host regexp of the definition that compiled to
// the exact host lit, as written; the matcher keeps only the literal.
func exactHostText(rt *Route, lit string) string {
	if d := rt.Def; d != nil {
		for _, rx := range d.HostRegexps {
			if l, ok := exactHost(rx); ok && l == lit {
				return fmt.Sprintf("Host(/%s/)", rx)
			}
		}
		for _, p := range d.Predicates {
			if p == nil || p.Name != HostName || len(p.Args) != 1 {
				continue
			}
			if rx, ok := p.Args[0].(string); ok {
				if l, ok := exactHost(rx); ok && l == lit {
					return fmt.Sprintf("Host(/%s/)", rx)
				}
			}
		}
	}
	return fmt.Sprintf("Host(%q)", "^"+lit+"$") + " (exact)"
}

func headerValues(r *http.Request, name string) string {
	vals := r.Header[name]
	if len(vals) == 0 {
		return "header " + name + " missing"
	}
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "header " + name + " is " + strings.Join(q, ", ")
}

// customPredicateText finds the idx-th custom predicate in the route's
// definition (the ones the matcher does not handle itself).
func customPredicateText(rt *Route, idx int) string {
	if rt.Def != nil {
		i := 0
		for _, p := range rt.Def.Predicates {
			switch p.Name {
			case HostName, PathRegexpName, MethodName, HeaderName, HeaderRegexpName,
				PathName, PathSubtreeName, WeightName, "*", "Any":
				continue
			}
			if i == idx {
				return predicateText(p)
			}
			i++
		}
	}
	return fmt.Sprintf("predicate #%d", idx+1)
}
