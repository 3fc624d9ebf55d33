package routing

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// treeKey is how a route enters the path tree: one or more key paths
// (PathSubtree registers several, spec routing.md §4.3). No paths means a
// root leaf.
type treeKey struct {
	paths []keyPath
}

type keyPath struct {
	segs []patternSegment
	// star, when set, adds the parameter starName="/" on a match: the base
	// keys of a PathSubtree.
	star     bool
	starName string
}

func makeTreeKey(pred, arg string, ignoreTrailingSlash bool) (treeKey, error) {
	p := cleanPath(arg)
	if pred == PathName {
		if ignoreTrailingSlash {
			p = stripTrailingSlash(p)
		}
		segs, err := parsePattern(p)
		if err != nil {
			return treeKey{}, err
		}
		return treeKey{paths: []keyPath{{segs: segs}}}, nil
	}
	segs, err := parsePattern(p)
	if err != nil {
		return treeKey{}, err
	}
	starName := "*"
	if last := segs[len(segs)-1]; last.kind == segFree {
		starName = last.text
		segs = segs[:len(segs)-1]
	}
	if n := len(segs); n > 0 && segs[n-1].kind == segStatic && segs[n-1].text == "" {
		segs = segs[:n-1]
	}
	free := patternSegment{segFree, starName}
	if len(segs) == 0 {
		return treeKey{paths: []keyPath{
			{segs: []patternSegment{{segStatic, ""}}, star: true, starName: starName},
			{segs: []patternSegment{free}},
		}}, nil
	}
	tk := treeKey{paths: []keyPath{{segs: segs, star: true, starName: starName}}}
	if !ignoreTrailingSlash {
		tk.paths = append(tk.paths, keyPath{segs: withSeg(segs, patternSegment{segStatic, ""}), star: true, starName: starName})
	}
	tk.paths = append(tk.paths, keyPath{segs: withSeg(segs, free)})
	return tk, nil
}

func withSeg(segs []patternSegment, s patternSegment) []patternSegment {
	out := make([]patternSegment, len(segs), len(segs)+1)
	copy(out, segs)
	return append(out, s)
}

// node is one path segment position of the tree. Lookup tries, per
// segment, the static child, then the :param child, then the free wildcard,
// backtracking when a subtree yields no route whose conditions all match.
type node struct {
	static map[string]*node
	param  *node
	free   *leaf // routes ending in a free wildcard here
	leaf   *leaf // routes whose key ends here
}

// leaf holds the candidates of one tree key, ordered by weight (desc) then
// id (asc). Routes with exact hosts are filed under those hosts; the
// candidates for a request are the merge of its host's list and the general
// list, in the same order.
type leaf struct {
	general []*entry
	byHost  map[string][]*entry
}

type entry struct {
	m      *matcher
	weight int
	id     string
	// names of the wildcards along the key, in order.
	names    []string
	star     bool
	starName string
	indexed  bool // file under the matcher's host keys
}

func (a *entry) before(b *entry) bool {
	if a.weight != b.weight {
		return a.weight > b.weight
	}
	return a.id < b.id
}

func (n *node) insert(kp keyPath, e *entry) {
	for _, s := range kp.segs {
		switch s.kind {
		case segStatic:
			if n.static == nil {
				n.static = map[string]*node{}
			}
			c := n.static[s.text]
			if c == nil {
				c = &node{}
				n.static[s.text] = c
			}
			n = c
		case segParam:
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
		case segFree:
			if n.free == nil {
				n.free = &leaf{}
			}
			n.free.add(e)
			return
		}
	}
	if n.leaf == nil {
		n.leaf = &leaf{}
	}
	n.leaf.add(e)
}

func (l *leaf) add(e *entry) {
	if len(e.m.hostKeys) == 0 || !e.indexed {
		l.general = append(l.general, e)
		return
	}
	if l.byHost == nil {
		l.byHost = map[string][]*entry{}
	}
	for _, h := range e.m.hostKeys {
		l.byHost[h] = append(l.byHost[h], e)
	}
}

func (l *leaf) sort() {
	sortEntries(l.general)
	for _, es := range l.byHost {
		sortEntries(es)
	}
}

func sortEntries(es []*entry) {
	if len(es) > 1 {
		sort.Slice(es, func(i, j int) bool { return es[i].before(es[j]) })
	}
}

func (n *node) sortAll() {
	if n.leaf != nil {
		n.leaf.sort()
	}
	if n.free != nil {
		n.free.sort()
	}
	for _, c := range n.static {
		c.sortAll()
	}
	if n.param != nil {
		n.param.sortAll()
	}
}

// search is the state of one lookup.
type search struct {
	r       *http.Request
	cleaned string // cleaned request path, for PathRegexp
	path    string // the path walked in the tree
	p       *Params
	trace   *tracer // nil except for Explain
}

// walk matches the segment of s.path starting at i (i > len(path) means
// the path is consumed).
func (s *search) walk(n *node, i int) *Route {
	if i > len(s.path) {
		if n.leaf != nil {
			return s.leaf(n.leaf)
		}
		return nil
	}
	j := strings.IndexByte(s.path[i:], '/')
	if j < 0 {
		j = len(s.path)
	} else {
		j += i
	}
	seg := s.path[i:j]
	if n.static != nil {
		if c := n.static[seg]; c != nil {
			if rt := s.walk(c, j+1); rt != nil {
				return rt
			}
		}
	}
	if n.param != nil && seg != "" {
		mark := len(s.p.values)
		s.p.values = append(s.p.values, unescapeParam(seg))
		if rt := s.walk(n.param, j+1); rt != nil {
			return rt
		}
		clear(s.p.values[mark:])
		s.p.values = s.p.values[:mark]
	}
	if n.free != nil && i < len(s.path) {
		mark := len(s.p.values)
		// path[i-1] is the "/" before the remainder, so the value needs no
		// concatenation.
		s.p.values = append(s.p.values, s.path[i-1:])
		if rt := s.leaf(n.free); rt != nil {
			return rt
		}
		clear(s.p.values[mark:])
		s.p.values = s.p.values[:mark]
	}
	return nil
}

// leaf returns the first candidate of l whose conditions all match and
// names the wildcard values pushed on the way here.
func (s *search) leaf(l *leaf) *Route {
	g := l.general
	var h []*entry
	if l.byHost != nil {
		h = l.byHost[s.r.Host]
	}
	i, j := 0, 0
	for i < len(g) || j < len(h) {
		var e *entry
		if j >= len(h) || (i < len(g) && g[i].before(h[j])) {
			e = g[i]
			i++
		} else {
			e = h[j]
			j++
		}
		kind, idx := e.m.failing(s.r, s.cleaned)
		if s.trace != nil {
			s.trace.candidate(e, kind, idx, s.p)
		}
		if kind != condNone {
			continue
		}
		s.p.names = append(s.p.names, e.names...)
		if e.star {
			s.p.names = append(s.p.names, e.starName)
			s.p.values = append(s.p.values, "/")
		}
		return e.m.route
	}
	return nil
}

// unescapeParam form-unescapes a :param value ("+" is a space, %xx decoded
// once more), allocating only when there is something to decode.
func unescapeParam(v string) string {
	if strings.IndexByte(v, '+') < 0 && strings.IndexByte(v, '%') < 0 {
		return v
	}
	u, err := url.QueryUnescape(v)
	if err != nil {
		return v
	}
	return u
}
