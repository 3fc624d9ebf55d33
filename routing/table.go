package routing

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
)

// Table is one immutable, compiled generation of routes.
type Table struct {
	created             time.Time
	tree                node
	root                leaf // routes without Path/PathSubtree
	ignoreTrailingSlash bool
	noHostIndex         bool

	// routes and invalid are sorted by id on first use: nothing on the
	// request path needs the order.
	sortOnce sync.Once
	routes   []*Route
	invalid  []InvalidRoute

	// Reference counting for tables owned by a Routing: the owner holds one
	// reference while the table is current, Acquire adds one per request.
	managed bool
	refs    atomic.Int64
	closed  atomic.Bool
	owned   []*instance // instances whose filters this table keeps open
}

// Build instantiates defs into a Table. It never fails: routes that cannot
// be instantiated are left out and listed in Invalid. Of several
// definitions with one id, the last wins.
func Build(defs []*eskip.Route, o BuildOptions) *Table {
	return build(buildInput{defs: defs}, o)
}

// buildInput is what the Routing owner passes on top of Build's arguments.
type buildInput struct {
	defs    []*eskip.Route
	sources []string // data client of each def; nil when unknown
	unique  bool     // defs have distinct ids
	// cache holds the instantiated routes of the previous generation by
	// id: unchanged definitions reuse them instead of creating their
	// filters and predicates again. build updates it in place for the next
	// generation (gen numbers it).
	cache   map[string]*cached
	gen     uint64
	managed bool
}

// cached is an instantiated route kept for the next generation.
type cached struct {
	def    *eskip.Route
	source string
	proto  *Route // as instantiated, before post-processors
	gen    uint64
}

// build makes a table and, for managed tables, updates in.cache.
func build(in buildInput, o BuildOptions) *Table {
	t := &Table{created: time.Now(), ignoreTrailingSlash: o.IgnoreTrailingSlash, managed: in.managed, noHostIndex: o.noHostIndex}
	defs, sources := in.defs, in.sources
	if !in.unique || len(o.PreProcessors) > 0 {
		var bySource map[string]string
		if sources != nil {
			bySource = make(map[string]string, len(defs))
			for i, d := range defs {
				if d != nil {
					bySource[d.Id] = sources[i]
				}
			}
		}
		defs = dedupe(defs)
		for _, pp := range o.PreProcessors {
			defs = dedupe(pp.Do(defs))
		}
		sources = nil
		if bySource != nil {
			sources = make([]string, len(defs))
			for i, d := range defs {
				sources[i] = bySource[d.Id]
			}
		}
	}

	b := newBuilder(o)
	copyForPost := len(o.PostProcessors) > 0
	routes := make([]*Route, 0, len(defs))
	for i, def := range defs {
		if def == nil {
			continue
		}
		src := ""
		if sources != nil {
			src = sources[i]
		}
		var proto *Route
		c := in.cache[def.Id]
		if c != nil && c.source == src && sameDef(c.def, def) {
			proto = c.proto
		} else {
			r, _, err := b.instantiate(def, src)
			if err != nil {
				t.invalid = append(t.invalid, InvalidRoute{Id: def.Id, Source: src, Pos: def.Pos, Reason: err.reason, Err: err.err})
				continue
			}
			proto = r
		}
		if in.cache != nil {
			if c == nil {
				c = &cached{}
				in.cache[def.Id] = c
			}
			c.def, c.source, c.proto, c.gen = def, src, proto, in.gen
		}
		if in.managed {
			proto.inst.acquire()
			t.owned = append(t.owned, proto.inst)
		}
		r := proto
		if copyForPost || proto.Def != def {
			// Post-processors may change what they get; the proto stays
			// as instantiated for later generations.
			c := *proto
			c.Def = def
			c.Filters = append([]*RouteFilter(nil), proto.Filters...)
			r = &c
		}
		routes = append(routes, r)
	}

	for _, pp := range o.PostProcessors {
		var dropped []InvalidRoute
		routes, dropped = pp.Do(routes)
		t.invalid = append(t.invalid, dropped...)
	}

	t.routes = make([]*Route, 0, len(routes))
	for _, r := range routes {
		if r.inst == nil {
			// A post-processor made a new route: derive its conditions
			// from its definition, keeping its own filters and predicates.
			inst, err := b.rematch(r)
			if err != nil {
				t.invalid = append(t.invalid, InvalidRoute{Id: r.Id, Source: r.Source, Pos: r.Def.Pos, Reason: err.reason, Err: err.err})
				continue
			}
			r.inst = inst
			if in.managed {
				inst.acquire()
				t.owned = append(t.owned, inst)
			}
		}
		t.routes = append(t.routes, r)
		t.insert(r)
	}
	t.tree.sortAll()
	t.root.sort()
	for id, c := range in.cache {
		if c.gen != in.gen {
			delete(in.cache, id)
		}
	}
	return t
}

// rematch instantiates the conditions of a route a post-processor created.
func (b *builder) rematch(r *Route) (*instance, *routeError) {
	if r.Def == nil {
		return nil, fail(ReasonOther, "route %q has no definition", r.Id)
	}
	fresh, _, err := b.instantiate(r.Def, r.Source)
	if err != nil {
		return nil, err
	}
	// Its own filters are not ours to close.
	return &instance{m: fresh.inst.m}, nil
}

func (t *Table) insert(r *Route) {
	m := r.inst.m
	hostKeys := m.hostKeys
	if t.noHostIndex {
		hostKeys = nil
	}
	kps, n := m.tree.keyPaths(t.ignoreTrailingSlash)
	if n == 0 {
		t.root.add(&entry{weight: r.Weight, route: r, m: m, key: &noKey}, hostKeys)
		return
	}
	for i := range n {
		kp := &kps[i]
		t.tree.insert(kp, &entry{weight: r.Weight, route: r, m: m, key: m.keys[i]}, hostKeys)
	}
}

var noKey keyInfo

// keyInterner shares keyInfos between the routes of one build.
type keyInterner map[keyShape]*keyInfo

type keyShape struct {
	name     string // the only wildcard name, if any
	names    int
	star     bool
	starName string
}

func (ki keyInterner) get(kp *keyPath) *keyInfo {
	shape := keyShape{star: kp.star, starName: kp.starName}
	var names []string
	for i := range kp.len() {
		if s := kp.at(i); s.kind != segStatic {
			shape.name = s.text
			shape.names++
			names = append(names, s.text)
		}
	}
	if shape.names > 1 {
		return &keyInfo{names: names, star: kp.star, starName: kp.starName}
	}
	if k := ki[shape]; k != nil {
		return k
	}
	k := &keyInfo{names: names, star: kp.star, starName: kp.starName}
	ki[shape] = k
	return k
}

// dedupe keeps the last definition of every id, in the order of first
// appearance.
func dedupe(defs []*eskip.Route) []*eskip.Route {
	seen := make(map[string]int, len(defs))
	out := make([]*eskip.Route, 0, len(defs))
	for _, d := range defs {
		if d == nil {
			continue
		}
		if i, ok := seen[d.Id]; ok {
			out[i] = d
			continue
		}
		seen[d.Id] = len(out)
		out = append(out, d)
	}
	return out
}

// Match returns the route r takes, or nil. The route's wildcard values are
// appended to p. Match does not allocate when p has room (reuse p, Reset
// in between) and no :param value needs unescaping.
func (t *Table) Match(r *http.Request, p *Params) *Route {
	s := search{r: r, p: p}
	return t.match(&s)
}

func (t *Table) match(s *search) *Route {
	s.cleaned = cleanPath(s.r.URL.Path)
	s.path = s.cleaned
	if t.ignoreTrailingSlash {
		s.path = stripTrailingSlash(s.path)
	}
	base := len(s.p.names)
	s.p.values = s.p.values[:base]
	if rt := s.walk(&t.tree, 1); rt != nil {
		return rt
	}
	return s.leafIn(&t.root, true)
}

// Routes returns the valid routes sorted by id. The slice is the table's
// own: do not modify it.
func (t *Table) Routes() []*Route {
	t.sortOnce.Do(t.sortLists)
	return t.routes
}

// Invalid returns the routes left out, sorted by id.
func (t *Table) Invalid() []InvalidRoute {
	t.sortOnce.Do(t.sortLists)
	return t.invalid
}

func (t *Table) sortLists() {
	sort.Slice(t.routes, func(i, j int) bool { return t.routes[i].Id < t.routes[j].Id })
	sort.SliceStable(t.invalid, func(i, j int) bool { return t.invalid[i].Id < t.invalid[j].Id })
}

// Created is when the table was built.
func (t *Table) Created() time.Time { return t.created }

// tryAcquire takes a reference unless the table was already closed.
func (t *Table) tryAcquire() bool {
	for {
		n := t.refs.Load()
		if n <= 0 {
			return false
		}
		if t.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Release drops a reference taken by Routing.Acquire. When the last
// reference of a replaced table is dropped, its filters that implement
// filters.Closer are closed. For tables made by Build it does nothing.
func (t *Table) Release() {
	if !t.managed {
		return
	}
	for {
		n := t.refs.Load()
		if n <= 0 {
			return
		}
		if t.refs.CompareAndSwap(n, n-1) {
			if n == 1 {
				t.close()
			}
			return
		}
	}
}

// close releases the table's instances once; the filters of those no other
// open table uses are closed.
func (t *Table) close() {
	if !t.closed.CompareAndSwap(false, true) {
		return
	}
	for _, in := range t.owned {
		in.release()
	}
}

// Closed reports whether the table's filters were closed.
func (t *Table) Closed() bool { return t.closed.Load() }
