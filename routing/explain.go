package routing

import (
	"fmt"
	"net/http"
	"strings"
)

// Explanation tells how a table chose the route for one request: every
// candidate the matcher evaluated, in order, and the condition that ruled
// each out.
type Explanation struct {
	Method string
	Host   string
	Path   string // cleaned request path

	// Route is the winner, nil when no route matches.
	Route  *Route
	Params []ExplainParam
	// Steps are the candidate lists (tree leaves, then the routes without
	// a path) the matcher went through, in order.
	Steps []ExplainStep
}

// ExplainParam is one wildcard value of the winning route.
type ExplainParam struct{ Name, Value string }

// ExplainStep is one list of candidates the matcher evaluated.
type ExplainStep struct {
	// Key is the tree key, e.g. "/api/:id" or "/api/**"; "" for the routes
	// without Path or PathSubtree, which are consulted only when the tree
	// has no match.
	Key        string
	Candidates []ExplainCandidate
	// OtherHosts counts routes of this list filed under other exact hosts:
	// they cannot match, so they were not evaluated.
	OtherHosts int
}

// ExplainCandidate is one evaluated route.
type ExplainCandidate struct {
	Route   *Route
	Matched bool
	// Failed is the first condition that did not hold, e.g.
	// `Method("POST")`, and Why what the request had instead.
	Failed, Why string
}

// Explain matches r like Match and records how. It is meant for tools, not
// for the request path.
func (t *Table) Explain(r *http.Request) Explanation {
	var ps Params
	tr := &tracer{}
	s := search{r: r, p: &ps, trace: tr}
	rt := t.match(&s)
	ex := Explanation{Method: r.Method, Host: r.Host, Path: s.cleaned, Route: rt, Steps: tr.steps}
	for i := range ps.Len() {
		n, v := ps.At(i)
		ex.Params = append(ex.Params, ExplainParam{n, v})
	}
	return ex
}

// tracer collects an Explanation during a search.
type tracer struct {
	segs  []string // tree key walked so far: static text, ":" or "*"
	steps []ExplainStep
	r     *http.Request
}

func (t *tracer) push(seg string) { t.segs = append(t.segs, seg) }
func (t *tracer) pop()            { t.segs = t.segs[:len(t.segs)-1] }

// beginLeaf starts a step for the leaf about to be evaluated.
func (t *tracer) beginLeaf(l *leaf, r *http.Request, root bool) {
	t.r = r
	step := ExplainStep{}
	if !root {
		step.Key = t.key(l)
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

// key renders the walked key with the wildcard names of the leaf's first
// route.
func (t *tracer) key(l *leaf) string {
	var names []string
	if len(l.general) > 0 {
		names = l.general[0].key.names
	} else {
		l.hosts.each(func(_ string, e *entry) { names = e.key.names })
	}
	var b strings.Builder
	w := 0
	for _, s := range t.segs {
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

func (t *tracer) candidate(e *entry, kind, idx int) {
	c := ExplainCandidate{Route: e.route, Matched: kind == condNone}
	if !c.Matched {
		c.Failed, c.Why = describeFailure(e, kind, idx, t.r)
	}
	st := &t.steps[len(t.steps)-1]
	st.Candidates = append(st.Candidates, c)
}

func describeFailure(e *entry, kind, idx int, r *http.Request) (failed, why string) {
	m := e.m
	switch kind {
	case condMethod:
		return fmt.Sprintf("Method(%q)", m.method), "method is " + r.Method
	case condHost:
		if idx < len(m.hostExact) {
			return fmt.Sprintf("Host(%q)", "^"+m.hostExact[idx]+"$") + " (exact)", fmt.Sprintf("host is %q", r.Host)
		}
		return fmt.Sprintf("Host(/%s/)", m.hostRx[idx-len(m.hostExact)]), fmt.Sprintf("host is %q", r.Host)
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
		return customPredicateText(e.route, idx), "predicate did not match"
	}
	return "?", ""
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
