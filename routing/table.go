package routing

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// Table is one immutable, compiled generation of routes.
type Table struct {
	created             time.Time
	tree                node
	root                *leaf // routes without Path/PathSubtree
	ignoreTrailingSlash bool
	noHostIndex         bool
	incremental         bool // built as a change of the previous table
	shardHosts          int

	// predicateUse counts the valid routes using each generic predicate
	// name (the Def.Predicates list: custom predicates, PathSubtree,
	// Weight...), so that callers can ask whether a table needs a feature
	// without walking its routes.
	predicateUse map[string]int
	// keyed are the keyed predicate specs the routes use (keyed.go),
	// consulted before the path tree.
	keyed []KeyedPredicateSpec
	// unsorted are the leaves of a full build that must be sorted at its
	// end (Table.insert); nil afterwards.
	unsorted []*leaf

	// invalid is in no particular order. The sorted lists are made on
	// first use (the routes are collected from the tree): nothing on the
	// request path needs them, and a table made by a change of its
	// predecessor should not pay for copying them.
	invalid       []InvalidRoute
	sortOnce      sync.Once
	sortedRoutes  []*Route
	sortedInvalid []InvalidRoute

	// Reference counting for tables owned by a Routing: the owner holds one
	// reference while the table is current, Acquire adds one per request.
	managed bool
	refs    atomic.Int64
	closed  atomic.Bool
	owned   []*instance // instances with closable filters this table keeps open
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
	// broken are the ids of defs that are placeholders of definitions
	// that did not parse, with their errors.
	broken map[string]dataclients.InvalidRoute
	unique bool // defs have distinct ids
	// cache holds the instantiated routes of the previous generation by
	// id: unchanged definitions reuse them instead of creating their
	// filters and predicates again. build updates it in place for the next
	// generation (gen numbers it).
	cache   map[string]*cached
	gen     uint64
	managed bool
	// prev is the current table; when set, a small change is applied to a
	// copy-on-write of its tree instead of building from scratch.
	prev *Table
}

// cached is an instantiated route kept for the next generation.
type cached struct {
	def    *eskip.Route
	source string
	// proto is the route as instantiated; nil if invalid. Reprocessable
	// post-processors may have processed it in place (the table then
	// serves it: final == proto).
	proto *Route
	final *Route // the route in the table; nil if invalid or dropped
	// invalid says why the route is not in the table.
	invalid *InvalidRoute
	gen     uint64
	// stale says that the current definition is invalid and the table
	// serves last, the route of the last valid version, instead; lastInst
	// is the instance that owns last's closable filters. last and
	// lastInst are nil when not stale (keeplast.go).
	stale    bool
	last     *Route
	lastInst *instance
}

// same reports whether def from src is the version c was made from. For
// an invalid version the position must be the same too: it is what the
// invalid list shows, and a data client sends a route that moved so that
// it stays right.
func (c *cached) same(def *eskip.Route, src string) bool {
	if c.source != src || !eskip.Identical(c.def, def) {
		return false
	}
	if c.invalid == nil {
		return true
	}
	p, q := c.def.Pos, def.Pos
	return p.Source == q.Source && p.Line == q.Line && p.Column == q.Column
}

// build makes a table and, for managed tables, updates in.cache.
func build(in buildInput, o BuildOptions) *Table {
	defs, sources := preprocess(in, o)
	if in.prev != nil && in.cache != nil && routeLocal(o.PostProcessors) {
		if t := buildIncremental(in, o, defs, sources); t != nil {
			return t
		}
	}
	return buildFull(in, o, defs, sources)
}

// preprocess dedupes the definitions and runs the pre-processors.
func preprocess(in buildInput, o BuildOptions) ([]*eskip.Route, []string) {
	defs, sources := in.defs, in.sources
	pres := activePreProcessors(o.PreProcessors)
	if !in.unique || len(pres) > 0 {
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
		for _, pp := range pres {
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
	return defs, sources
}

// buildFull instantiates every route that is not in the cache unchanged and
// builds the table from scratch.
func buildFull(in buildInput, o BuildOptions, defs []*eskip.Route, sources []string) *Table {
	t := newTable(in, o)
	b := newBuilder(o)
	copyForPost := len(o.PostProcessors) > 0
	// A route instantiated by this build is in no table yet: reprocessable
	// post-processors may work on it directly.
	copyFresh := copyForPost && !reprocessable(o.PostProcessors)
	routes := make([]*Route, 0, len(defs))
	// The predicate names are counted here, where each definition was
	// just read, and kept if the post-processors hand back routes of the
	// same definitions in the same order (the usual case): counting them
	// after the post-processors reads every definition from memory again.
	var use predicateCounter
	pre := make([]*eskip.Route, 0, len(defs))
	// An empty cache has nothing to look up: the ids of defs are distinct
	// (preprocess), so the entries this loop adds are not asked for again.
	firstBuild := len(in.cache) == 0
	for i, def := range defs {
		if def == nil {
			continue
		}
		src := ""
		if sources != nil {
			src = sources[i]
		}
		var proto *Route
		var invalid *InvalidRoute
		var c *cached
		copyProto := copyForPost
		if !firstBuild {
			c = in.cache[def.Id]
		}
		if c != nil && c.same(def, src) {
			proto = c.proto
			if proto == nil {
				invalid = c.invalid
			}
		} else if inv, bad := in.broken[def.Id]; bad {
			invalid = unparsed(&inv, src)
		} else {
			proto, invalid = b.instantiateOrInvalid(def, src)
			copyProto = copyFresh
		}
		if in.cache != nil {
			if c == nil {
				c = &cached{}
				in.cache[def.Id] = c
			}
			// What the previous table served for the id, kept in case
			// this version turns out invalid.
			var last *Route
			var lastInst *instance
			if !o.DropInvalidUpdates {
				last, lastInst = c.served()
			}
			*c = cached{def: def, source: src, proto: proto, invalid: invalid, gen: in.gen, last: last, lastInst: lastInst}
			if proto != nil {
				proto.inst.owner = c
			}
		}
		if proto == nil {
			inv := *invalid
			inv.Stale = false // decided for this table below
			t.invalid = append(t.invalid, inv)
			continue
		}
		if in.managed && len(proto.inst.closable) > 0 {
			proto.inst.acquire()
			t.owned = append(t.owned, proto.inst)
		}
		routes = append(routes, forPost(proto, def, copyProto))
		pre = append(pre, def)
		use.addDef(def)
	}

	routes, dropped := postprocess(o, routes)
	t.invalid = append(t.invalid, dropped...)
	counted := len(routes) == len(pre)
	t.tree.presize(routes)
	for i, r := range routes {
		if inv := b.adopt(r); inv != nil {
			t.invalid = append(t.invalid, *inv)
			counted = false
			continue
		}
		t.insert(r)
		counted = counted && r.Def == pre[i]
		if in.cache != nil {
			if c := cachedOf(in, r); c != nil {
				c.final = r
			}
		}
	}
	if !counted {
		use = nil
		for _, r := range routes {
			if r.inst != nil { // in the table: adopted
				use.add(r)
			}
		}
	}
	use.addTo(t.predicateUse)
	if in.cache != nil {
		t.keepLastValid(in) // before sorting: it inserts routes
	}
	t.sortLeaves()
	if in.cache != nil {
		for i := range t.invalid {
			if c := in.cache[t.invalid[i].Id]; c != nil && c.proto != nil {
				c.invalid = &t.invalid[i] // dropped by a post-processor
			}
		}
		for id, c := range in.cache {
			if c.gen != in.gen {
				delete(in.cache, id)
			} else if !c.stale && c.last != nil {
				c.last, c.lastInst = nil, nil
			}
		}
	}
	t.findKeyedSpecs(o.Predicates)
	return t
}

func newTable(in buildInput, o BuildOptions) *Table {
	return &Table{created: time.Now(), ignoreTrailingSlash: o.IgnoreTrailingSlash, managed: in.managed,
		noHostIndex: o.noHostIndex, root: &leaf{}, shardHosts: shardHosts(o), predicateUse: map[string]int{}}
}

// countPredicates adds delta to the use count of each generic predicate
// name of r.
func (t *Table) countPredicates(r *Route, delta int) {
	if r.Def == nil {
		return
	}
	for _, p := range r.Def.Predicates {
		if p == nil {
			continue
		}
		if n := t.predicateUse[p.Name] + delta; n > 0 {
			t.predicateUse[p.Name] = n
		} else {
			delete(t.predicateUse, p.Name)
		}
	}
}

// UsesPredicate reports whether a valid route of the table has a predicate
// of this name in its generic predicate list (not the lifted Path, Host,
// PathRegexp, Method, Header and HeaderRegexp). It is a map lookup, cheap
// enough for the request path.
func (t *Table) UsesPredicate(name string) bool {
	return t.predicateUse[name] > 0
}

func (b *builder) instantiateOrInvalid(def *eskip.Route, src string) (*Route, *InvalidRoute) {
	r, _, err := b.instantiate(def, src)
	if err != nil {
		return nil, &InvalidRoute{Id: def.Id, Source: src, Pos: def.Pos, Reason: err.reason, Err: err.err}
	}
	return r, nil
}

// forPost returns the route to hand to the post-processors: a copy when
// the proto must stay as it is (it is served by an earlier table, or a
// post-processor that is not reprocessable needs it as instantiated for
// later generations) or when it was instantiated from an equal older
// definition.
func forPost(proto *Route, def *eskip.Route, copyForPost bool) *Route {
	if !copyForPost && proto.Def == def {
		return proto
	}
	c := *proto
	c.Def = def
	c.Filters = append([]*RouteFilter(nil), proto.Filters...)
	return &c
}

func postprocess(o BuildOptions, routes []*Route) ([]*Route, []InvalidRoute) {
	var invalid []InvalidRoute
	for _, pp := range o.PostProcessors {
		in := routes
		var dropped []InvalidRoute
		routes, dropped = pp.Do(routes)
		locate(dropped, in)
		invalid = append(invalid, dropped...)
	}
	return routes, invalid
}

// locate fills in the position and source of routes a post-processor
// dropped without saying where they are defined, so that every invalid
// route can be found in its file.
func locate(dropped []InvalidRoute, in []*Route) {
	var byID map[string]*Route
	for i := range dropped {
		d := &dropped[i]
		if d.Pos.Line > 0 && d.Source != "" {
			continue
		}
		if byID == nil {
			byID = make(map[string]*Route, len(in))
			for _, r := range in {
				if r != nil {
					byID[r.Id] = r
				}
			}
		}
		r := byID[d.Id]
		if r == nil {
			continue
		}
		if d.Pos.Line == 0 && r.Def != nil {
			d.Pos = r.Def.Pos
		}
		if d.Source == "" {
			d.Source = r.Source
		}
	}
}

// adopt makes sure a post-processed route has an instance; a route a
// post-processor made from scratch gets its conditions derived from its
// definition (its own filters and predicates are kept). It returns why
// the route cannot be in a table, or nil.
func (b *builder) adopt(r *Route) *InvalidRoute {
	if r.inst != nil {
		return nil
	}
	inst, err := b.rematch(r)
	if err != nil {
		inv := &InvalidRoute{Id: r.Id, Source: r.Source, Reason: err.reason, Err: err.err}
		if r.Def != nil {
			inv.Pos = r.Def.Pos
		}
		return inv
	}
	r.inst = inst // it has nothing to close
	return nil
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
	// The route keeps its own filters (not ours to close); the ones just
	// created for the matcher are not used.
	closeAll(fresh.inst.closable)
	return &instance{matcher: fresh.inst.matcher}, nil
}

func (t *Table) insert(r *Route) {
	m := &r.inst.matcher
	hostKeys := m.hostKeys
	if t.noHostIndex && !m.keyed() {
		hostKeys = nil
	}
	kps, n := m.tree.keyPaths(t.ignoreTrailingSlash)
	if n == 0 {
		t.root.add(&entry{weight: r.Weight, route: r, m: m, key: &noKey}, hostKeys, t.shardHosts)
		return
	}
	for i := range n {
		kp := &kps[i]
		l, unsorted := t.tree.insert(kp, &entry{weight: r.Weight, route: r, m: m, key: m.keys[i]}, hostKeys, t.shardHosts)
		if unsorted && !l.queued {
			l.queued = true
			t.unsorted = append(t.unsorted, l)
		}
	}
}

// sortLeaves orders the candidate lists of the leaves that have more than
// one entry in a list, and of the root leaf.
func (t *Table) sortLeaves() {
	for _, l := range t.unsorted {
		l.sort(t.shardHosts)
		l.queued = false
	}
	t.unsorted = nil
	t.root.sort(t.shardHosts)
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
	for i := range kp.len() {
		if s := kp.at(i); s.kind != segStatic {
			shape.name = s.text
			shape.names++
		}
	}
	if shape.names <= 1 {
		if k := ki[shape]; k != nil {
			return k
		}
	}
	var names []string
	for i := range kp.len() {
		if s := kp.at(i); s.kind != segStatic {
			names = append(names, s.text)
		}
	}
	k := &keyInfo{names: names, star: kp.star, starName: kp.starName}
	if shape.names <= 1 {
		ki[shape] = k
	}
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
	if len(t.keyed) > 0 {
		if rt := t.matchKeyed(s); rt != nil {
			return rt
		}
	}
	if rt := s.walk(&t.tree, 1); rt != nil {
		return rt
	}
	return s.leafIn(t.root, true)
}

// Routes returns the valid routes sorted by id. The slice is the table's
// own: do not modify it.
func (t *Table) Routes() []*Route {
	t.sortOnce.Do(t.sortLists)
	return t.sortedRoutes
}

// Invalid returns the routes left out, sorted by id.
func (t *Table) Invalid() []InvalidRoute {
	t.sortOnce.Do(t.sortLists)
	return t.sortedInvalid
}

func (t *Table) sortLists() {
	t.sortedRoutes = t.collectRoutes()
	sort.Slice(t.sortedRoutes, func(i, j int) bool { return t.sortedRoutes[i].Id < t.sortedRoutes[j].Id })
	t.sortedInvalid = append([]InvalidRoute(nil), t.invalid...)
	sort.SliceStable(t.sortedInvalid, func(i, j int) bool { return t.sortedInvalid[i].Id < t.sortedInvalid[j].Id })
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

// collectRoutes lists every route in the tree and the root leaf once.
func (t *Table) collectRoutes() []*Route {
	seen := map[*Route]bool{}
	var out []*Route
	addLeaf := func(l *leaf) {
		if l == nil {
			return
		}
		for _, e := range l.general {
			if !seen[e.route] {
				seen[e.route] = true
				out = append(out, e.route)
			}
		}
		l.hosts.each(func(_ string, e *entry) {
			for ; e != nil; e = e.next {
				if !seen[e.route] {
					seen[e.route] = true
					out = append(out, e.route)
				}
			}
		})
	}
	var walk func(n *node)
	walk = func(n *node) {
		addLeaf(n.leaf)
		addLeaf(n.free)
		for _, c := range n.static {
			walk(c)
		}
		if n.param != nil {
			walk(n.param)
		}
	}
	walk(&t.tree)
	addLeaf(t.root)
	return out
}

func shardHosts(o BuildOptions) int {
	if o.shardHosts > 0 {
		return o.shardHosts
	}
	return defaultShardHosts
}

// cachedOf returns in.cache[r.Id]. The entry that instantiated r's
// instance is it when that entry was written by this build and is for the
// same id: entries are only dropped from the cache at the end of a build,
// and an id has one entry. Otherwise (a route a post-processor made or
// renamed) the map answers. At 100,000 routes the lookup was 5% of a build.
func cachedOf(in buildInput, r *Route) *cached {
	if r.inst != nil {
		if c := r.inst.owner; c != nil && c.gen == in.gen && c.def != nil && c.def.Id == r.Id {
			return c
		}
	}
	return in.cache[r.Id]
}

// presize makes the root's map of first path segments to size when a
// sample of the routes shows that most of them start with a segment of
// their own (one Path per route): growing it one doubling at a time to
// 100,000 entries was a third of inserting the routes. With shared
// prefixes the map stays small and is not made larger than it needs.
func (n *node) presize(routes []*Route) {
	const sample = 1024
	if n.static != nil || len(routes) < 4*sample {
		return
	}
	seen := make(map[string]bool, sample)
	for _, r := range routes[:sample] {
		if r.inst == nil || len(r.inst.tree.segs) == 0 {
			continue
		}
		if s := r.inst.tree.segs[0]; s.kind == segStatic {
			seen[s.text] = true
		}
	}
	if len(seen) > sample*9/10 {
		n.static = make(map[string]*node, len(routes))
	}
}
