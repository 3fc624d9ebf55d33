package routing

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// treeKey is how a route enters the path tree: by its Path, its
// PathSubtree, or not at all.
type treeKey struct {
	kind     int              // treeNone, treePath or treeSubtree
	segs     []patternSegment // Path: the pattern; PathSubtree: its base
	starName string           // PathSubtree: name of its free wildcard
}

const (
	treeNone = iota
	treePath
	treeSubtree
)

// keyPath is one key a route is registered under: segs, then extra when
// hasExtra.
type keyPath struct {
	segs     []patternSegment
	extra    patternSegment
	hasExtra bool
	// star, when set, adds the parameter starName="/" on a match: the base
	// keys of a PathSubtree.
	star     bool
	starName string
}

func (k *keyPath) len() int {
	if k.hasExtra {
		return len(k.segs) + 1
	}
	return len(k.segs)
}

func (k *keyPath) at(i int) patternSegment {
	if i < len(k.segs) {
		return k.segs[i]
	}
	return k.extra
}

// keyPaths lists the keys of tk: one for Path, two or three for
// PathSubtree, none for a root route.
func (tk *treeKey) keyPaths(ignoreTrailingSlash bool) (out [3]keyPath, n int) {
	switch tk.kind {
	case treePath:
		out[0] = keyPath{segs: tk.segs}
		return out, 1
	case treeSubtree:
		slash := patternSegment{segStatic, ""}
		free := patternSegment{segFree, tk.starName}
		if len(tk.segs) == 0 {
			out[0] = keyPath{extra: slash, hasExtra: true, star: true, starName: tk.starName}
			out[1] = keyPath{extra: free, hasExtra: true}
			return out, 2
		}
		out[n] = keyPath{segs: tk.segs, star: true, starName: tk.starName}
		n++
		if !ignoreTrailingSlash {
			out[n] = keyPath{segs: tk.segs, extra: slash, hasExtra: true, star: true, starName: tk.starName}
			n++
		}
		out[n] = keyPath{segs: tk.segs, extra: free, hasExtra: true}
		return out, n + 1
	}
	return out, 0
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
		return treeKey{kind: treePath, segs: segs}, nil
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
	return treeKey{kind: treeSubtree, segs: segs[:len(segs):len(segs)], starName: starName}, nil
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
// id (asc). Routes with exact hosts are filed under those hosts, each host's
// candidates chained through entry.next; the candidates for a request are
// the merge of its host's chain and the general list.
type leaf struct {
	general []*entry
	hosts   hostIndex
	queued  bool // in Table.unsorted
}

// entry is one route in one leaf.
type entry struct {
	weight int
	route  *Route
	m      *matcher
	key    *keyInfo
	next   *entry // next candidate of the same host
}

// keyInfo says how to name the wildcard values of a key; tables intern
// them, as most routes share one of a few shapes.
type keyInfo struct {
	names    []string // wildcard names along the key, in order
	star     bool
	starName string
}

func (a *entry) before(b *entry) bool {
	if a.weight != b.weight {
		return a.weight > b.weight
	}
	return a.route.Id < b.route.Id
}

// insert files e under kp and returns whether the leaf it went to must be
// sorted (leaf.add).
func (n *node) insert(kp *keyPath, e *entry, hostKeys []string, shardHosts int) (*leaf, bool) {
	for i := range kp.len() {
		s := kp.at(i)
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
			return n.free, n.free.add(e, hostKeys, shardHosts)
		}
	}
	if n.leaf == nil {
		n.leaf = &leaf{}
	}
	return n.leaf, n.leaf.add(e, hostKeys, shardHosts)
}

// add files e under each of hostKeys, or in the general list when none.
// It reports whether the leaf now has a list of more than one entry, which
// leaf.sort must order: most leaves of a large table hold one route, and a
// build sorts only the others.
func (l *leaf) add(e *entry, hostKeys []string, shardHosts int) (unsorted bool) {
	if len(hostKeys) == 0 {
		l.general = append(l.general, e)
		return len(l.general) > 1
	}
	for i, h := range hostKeys {
		if i > 0 {
			c := *e // one chain per host: HostAny needs a copy per value
			e = &c
		}
		e.next = l.hosts.get(h)
		l.hosts.set(h, e)
		unsorted = unsorted || e.next != nil
	}
	l.hosts.split(shardHosts)
	return unsorted
}

func (l *leaf) sort(shardHosts int) {
	sortEntries(l.general)
	var long []string
	l.hosts.each(func(h string, first *entry) {
		if first.next != nil {
			long = append(long, h)
		}
	})
	var buf []*entry
	for _, h := range long {
		buf = buf[:0]
		for e := l.hosts.get(h); e != nil; e = e.next {
			buf = append(buf, e)
		}
		sortEntries(buf)
		for i, e := range buf {
			e.next = nil
			if i+1 < len(buf) {
				e.next = buf[i+1]
			}
		}
		l.hosts.set(h, buf[0])
	}
	l.hosts.split(shardHosts)
}

func sortEntries(es []*entry) {
	if len(es) > 1 {
		sort.Slice(es, func(i, j int) bool { return es[i].before(es[j]) })
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
			if s.trace != nil {
				s.trace.push(seg)
			}
			rt := s.walk(c, j+1)
			if s.trace != nil {
				s.trace.pop()
			}
			if rt != nil {
				return rt
			}
		}
	}
	if n.param != nil && seg != "" {
		mark := len(s.p.values)
		s.p.values = append(s.p.values, unescapeParam(seg))
		if s.trace != nil {
			s.trace.push(":")
		}
		rt := s.walk(n.param, j+1)
		if s.trace != nil {
			s.trace.pop()
		}
		if rt != nil {
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
		if s.trace != nil {
			s.trace.push("*")
		}
		rt := s.leaf(n.free)
		if s.trace != nil {
			s.trace.pop()
		}
		if rt != nil {
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
	return s.leafIn(l, false)
}

func (s *search) leafIn(l *leaf, root bool) *Route {
	if s.trace != nil {
		s.trace.beginLeaf(l, s.r, root)
	}
	g := l.general
	h := l.hosts.get(s.r.Host)
	i := 0
	for i < len(g) || h != nil {
		var e *entry
		if h == nil || (i < len(g) && g[i].before(h)) {
			e = g[i]
			i++
		} else {
			e = h
			h = h.next
		}
		kind, idx := e.m.failing(s.r, s.cleaned, e.route.Predicates)
		if s.trace != nil {
			s.trace.candidate(e, kind, idx)
		}
		if kind != condNone {
			continue
		}
		s.p.names = append(s.p.names, e.key.names...)
		if e.key.star {
			s.p.names = append(s.p.names, e.key.starName)
			s.p.values = append(s.p.values, "/")
		}
		return e.route
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
