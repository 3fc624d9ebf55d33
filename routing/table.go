package routing

import (
	"net/http"
	"sort"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

// Table is one immutable, compiled generation of routes.
type Table struct {
	created             time.Time
	routes              []*Route // valid, sorted by id
	invalid             []InvalidRoute
	tree                node
	root                leaf // routes without Path/PathSubtree
	ignoreTrailingSlash bool
	noHostIndex         bool

	// Reference counting for tables owned by a Routing: the owner holds one
	// reference while the table is current, Acquire adds one per request.
	managed bool
	refs    atomic.Int64
	closed  atomic.Bool
}

// Build instantiates defs into a Table. It never fails: routes that cannot
// be instantiated are left out and listed in Invalid. Of several
// definitions with one id, the last wins.
func Build(defs []*eskip.Route, o BuildOptions) *Table {
	return build(defs, nil, o)
}

// build is Build with the data client name of each route id.
func build(defs []*eskip.Route, sources map[string]string, o BuildOptions) *Table {
	t := &Table{created: time.Now(), ignoreTrailingSlash: o.IgnoreTrailingSlash, noHostIndex: o.noHostIndex}
	defs = dedupe(defs)
	if len(o.PreProcessors) > 0 {
		for _, pp := range o.PreProcessors {
			defs = pp.Do(defs)
		}
		defs = dedupe(defs)
	}

	b := newBuilder(o)
	routes := make([]*Route, 0, len(defs))
	matchers := make(map[*Route]*matcher, len(defs))
	for _, def := range defs {
		src := sources[def.Id]
		r, m, err := b.instantiate(def, src)
		if err != nil {
			t.invalid = append(t.invalid, InvalidRoute{Id: def.Id, Source: src, Pos: def.Pos, Reason: err.reason, Err: err.err})
			continue
		}
		routes = append(routes, r)
		matchers[r] = m
	}

	for _, pp := range o.PostProcessors {
		var dropped []InvalidRoute
		routes, dropped = pp.Do(routes)
		t.invalid = append(t.invalid, dropped...)
	}

	t.routes = make([]*Route, 0, len(routes))
	for _, r := range routes {
		m := matchers[r]
		if m == nil {
			// A post-processor made a new route: derive its conditions
			// from its definition, keeping its own filters and predicates.
			var err *routeError
			m, err = b.rematch(r)
			if err != nil {
				t.invalid = append(t.invalid, InvalidRoute{Id: r.Id, Source: r.Source, Pos: r.Def.Pos, Reason: err.reason, Err: err.err})
				continue
			}
		}
		t.routes = append(t.routes, r)
		t.insert(m)
	}
	sort.Slice(t.routes, func(i, j int) bool { return t.routes[i].Id < t.routes[j].Id })
	sort.SliceStable(t.invalid, func(i, j int) bool { return t.invalid[i].Id < t.invalid[j].Id })
	t.tree.sortAll()
	t.root.sort()
	return t
}

// rematch builds the matcher of a route a post-processor created.
func (b *builder) rematch(r *Route) (*matcher, *routeError) {
	if r.Def == nil {
		return nil, fail(ReasonOther, "route %q has no definition", r.Id)
	}
	_, m, err := b.instantiate(r.Def, r.Source)
	if err != nil {
		return nil, err
	}
	m.route = r
	m.preds = r.Predicates
	return m, nil
}

func (t *Table) insert(m *matcher) {
	if len(m.tree.paths) == 0 {
		t.root.add(t.entry(m, keyPath{}))
		return
	}
	for _, kp := range m.tree.paths {
		t.tree.insert(kp, t.entry(m, kp))
	}
}

func (t *Table) entry(m *matcher, kp keyPath) *entry {
	e := &entry{m: m, weight: m.route.Weight, id: m.route.Id, star: kp.star, starName: kp.starName, indexed: !t.noHostIndex}
	for _, s := range kp.segs {
		if s.kind != segStatic {
			e.names = append(e.names, s.text)
		}
	}
	return e
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
	if s.trace != nil {
		s.trace.rootLeaf()
	}
	return s.leaf(&t.root)
}

// Routes returns the valid routes sorted by id. The slice is the table's
// own: do not modify it.
func (t *Table) Routes() []*Route { return t.routes }

// Invalid returns the routes left out, sorted by id.
func (t *Table) Invalid() []InvalidRoute { return t.invalid }

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

// close closes the table's closable filters once.
func (t *Table) close() {
	if !t.closed.CompareAndSwap(false, true) {
		return
	}
	for _, r := range t.routes {
		for _, f := range r.Filters {
			if c, ok := f.Filter.(filters.Closer); ok {
				_ = c.Close()
			}
		}
	}
}

// Closed reports whether the table's filters were closed.
func (t *Table) Closed() bool { return t.closed.Load() }
