package routing

import (
	"net/http"
	"regexp"
)

// matcher holds a route's request conditions in their compiled form, in the
// order they are evaluated: the cheap comparisons first, regexps and
// custom predicates last.
type matcher struct {
	method    string
	hostExact []string // Host regexps that match exactly one string
	hostRx    []*regexp.Regexp
	// moreConds holds the rarer conditions; nil when there are none, to
	// keep large tables small.
	*moreConds

	// hostKeys are exact hosts of which the request's Host must equal one
	// for the route to match (from one exact Host regexp or one HostAny);
	// the table's host index files the route under each of them.
	hostKeys []string

	// tree is how the route enters the path tree.
	tree treeKey
	// keys name the wildcard values of each of tree's key paths.
	keys [3]*keyInfo
}

type moreConds struct {
	pathRx   []*regexp.Regexp
	headers  []headerExact
	headerRx []headerRegexps
}

// more returns m's moreConds, creating them.
func (m *matcher) more() *moreConds {
	if m.moreConds == nil {
		m.moreConds = &moreConds{}
	}
	return m.moreConds
}

type headerExact struct {
	name, value string // name canonical
}

type headerRegexps struct {
	name string // canonical
	rx   []*regexp.Regexp
}

// Kinds of conditions, for explanations.
const (
	condNone = iota
	condMethod
	condHost
	condPathRegexp
	condHeader
	condHeaderRegexp
	condPredicate
)

// failing returns condNone when r satisfies every condition of m and every
// predicate in preds (the route's custom predicates); otherwise the kind and
// index of the first condition that failed. cleaned is the cleaned request
// path (with its trailing slash).
func (m *matcher) failing(r *http.Request, cleaned string, preds []Predicate) (kind, idx int) {
	if m.method != "" && r.Method != m.method {
		return condMethod, 0
	}
	for i, h := range m.hostExact {
		if r.Host != h {
			return condHost, i
		}
	}
	for i, rx := range m.hostRx {
		if !rx.MatchString(r.Host) {
			return condHost, len(m.hostExact) + i
		}
	}
	if m.moreConds != nil {
		if kind, idx := m.moreConds.failing(r, cleaned); kind != condNone {
			return kind, idx
		}
	}
	for i, p := range preds {
		if !p.Match(r) {
			return condPredicate, i
		}
	}
	return condNone, 0
}

func (m *moreConds) failing(r *http.Request, cleaned string) (kind, idx int) {
	for i, rx := range m.pathRx {
		if !rx.MatchString(cleaned) {
			return condPathRegexp, i
		}
	}
	for i, h := range m.headers {
		if !hasHeaderValue(r.Header[h.name], h.value) {
			return condHeader, i
		}
	}
	for i, h := range m.headerRx {
		vals := r.Header[h.name]
		if len(vals) == 0 {
			return condHeaderRegexp, i
		}
		for _, rx := range h.rx {
			if !anyMatches(rx, vals) {
				return condHeaderRegexp, i
			}
		}
	}
	return condNone, 0
}

func (m *matcher) matches(r *http.Request, cleaned string, preds []Predicate) bool {
	k, _ := m.failing(r, cleaned, preds)
	return k == condNone
}

func hasHeaderValue(vals []string, want string) bool {
	for _, v := range vals {
		if v == want {
			return true
		}
	}
	return false
}

func anyMatches(rx *regexp.Regexp, vals []string) bool {
	for _, v := range vals {
		if rx.MatchString(v) {
			return true
		}
	}
	return false
}
