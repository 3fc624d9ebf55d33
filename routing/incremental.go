package routing

import (
	"maps"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// RouteLocalPostProcessor is a PostProcessor whose result for a route
// depends on that route alone, so that running it again on unchanged
// routes would change nothing. When every post-processor is route-local,
// Routing applies a small change (a few routes added, changed or deleted)
// to a copy-on-write of the current table instead of building the whole
// table again: the time from an update to the new table does not grow with
// the number of routes.
type RouteLocalPostProcessor interface {
	PostProcessor
	RouteLocal() bool
}

// RouteLocalPreProcessor is a PreProcessor that maps every definition on
// its own to one definition with the same id, or drops it (default
// filters do that). When every pre-processor is route-local, Routing runs
// them on the changed definitions only.
type RouteLocalPreProcessor interface {
	PreProcessor
	RouteLocal() bool
}

// ReprocessablePostProcessor is a PostProcessor that may be handed a route
// it has processed before: processing its own output again gives the
// route that processing the route as instantiated gives (it sets fields
// from the route's definition and filters, and does not add to what is
// there). Routing hands post-processors a copy of each route so that the
// route as instantiated stays for the next full build; when every
// post-processor is reprocessable, a route instantiated by the current
// build, which no table serves yet, is handed over itself, without the
// copy: at 100,000 routes that is about 20 MB less at startup and one
// allocation less per changed route.
type ReprocessablePostProcessor interface {
	PostProcessor
	Reprocessable() bool
}

// allDeclare reports whether every processor implements the optional
// interface I and its method says yes (says is I's method, as in
// RouteLocalPreProcessor.RouteLocal). None at all declares everything.
func allDeclare[P, I any](pps []P, says func(I) bool) bool {
	for _, pp := range pps {
		i, ok := any(pp).(I)
		if !ok || !says(i) {
			return false
		}
	}
	return true
}

func reprocessable(pps []PostProcessor) bool {
	return allDeclare(pps, ReprocessablePostProcessor.Reprocessable)
}

func preRouteLocal(pps []PreProcessor) bool {
	return allDeclare(pps, RouteLocalPreProcessor.RouteLocal)
}

func routeLocal(pps []PostProcessor) bool {
	return allDeclare(pps, RouteLocalPostProcessor.RouteLocal)
}

// delta is one route id whose definition may have changed since the
// previous generation: def is its current definition, nil when deleted.
type delta struct {
	id  string
	def *eskip.Route
	src string
	// broken is set when def is the placeholder of a definition that did
	// not parse.
	broken *dataclients.InvalidRoute
}

// change is a delta that did change the route.
type change struct {
	def    *eskip.Route
	src    string
	broken *dataclients.InvalidRoute
	c      *cached // nil for a new id
	// last and lastInst are what the previous table served for the id,
	// kept if the new version is rejected (keeplast.go).
	last     *Route
	lastInst *instance
}

func deltaLimit(n int) int { return n/8 + 16 }

// buildIncremental compares every definition with the cache and applies
// the differences to the previous table. It returns nil when the change is
// too large to be worth a copy-on-write, leaving the cache as buildFull
// expects it.
func buildIncremental(in buildInput, o BuildOptions, defs []*eskip.Route, sources []string) *Table {
	var deltas []delta
	limit := deltaLimit(len(defs))
	seen := 0
	for i, def := range defs {
		src := ""
		if sources != nil {
			src = sources[i]
		}
		c := in.cache[def.Id]
		if c != nil {
			seen++
			if c.same(def, src) {
				c.gen = in.gen
				continue
			}
		}
		if len(deltas) >= limit {
			return nil
		}
		d := delta{id: def.Id, def: def, src: src}
		if inv, bad := in.broken[def.Id]; bad {
			d.broken = &inv
		}
		deltas = append(deltas, d)
	}
	if len(in.cache) > seen {
		// Ids of the previous generation that are gone.
		changed := make(map[string]bool, len(deltas))
		for _, d := range deltas {
			changed[d.id] = true
		}
		for id, c := range in.cache {
			if c.gen != in.gen && !changed[id] {
				deltas = append(deltas, delta{id: id})
			}
		}
		if len(deltas) > limit {
			return nil
		}
	}
	t, _ := applyDeltas(in, o, deltas)
	return t
}

// applyDeltas applies route changes to a copy-on-write of in.prev. It
// returns nil when there are too many changes, and in.prev with
// changed=false when no delta changed anything.
func applyDeltas(in buildInput, o BuildOptions, deltas []delta) (t *Table, changed bool) {
	prev := in.prev
	b := newBuilder(o)
	var changes []change
	var gone []*cached
	for _, d := range deltas {
		c := in.cache[d.id]
		if d.def == nil {
			if c != nil {
				gone = append(gone, c)
			}
			continue
		}
		if c != nil && (c.same(d.def, d.src) || b.updateInPlace(c, d.def, d.src, in.gen)) {
			continue
		}
		changes = append(changes, change{def: d.def, src: d.src, broken: d.broken, c: c})
	}
	if len(changes)+len(gone) == 0 {
		return prev, false
	}
	if len(changes)+len(gone) > deltaLimit(len(in.cache)) {
		return nil, true
	}

	t = newTable(in, o)
	t.incremental = true
	removedRoutes := map[*Route]bool{}
	removedInst := map[*instance]bool{}
	touched := map[string]bool{}
	forget := func(c *cached) {
		touched[c.def.Id] = true
		if c.final != nil {
			removedRoutes[c.final] = true
		}
		if c.proto != nil {
			removedInst[c.proto.inst] = true
		}
		if c.stale {
			removedRoutes[c.last] = true
			if c.lastInst != nil {
				removedInst[c.lastInst] = true
			}
		}
	}
	for _, c := range gone {
		forget(c)
		delete(in.cache, c.def.Id)
	}
	keep := !o.DropInvalidUpdates

	// Every proto here is new: copied only for post-processors that may
	// not see their own output again.
	copyForPost := len(o.PostProcessors) > 0 && !reprocessable(o.PostProcessors)
	var fresh []*Route
	var newInvalid []InvalidRoute
	var newInst []*instance
	for i := range changes {
		ch := &changes[i]
		if ch.c != nil {
			if keep {
				ch.last, ch.lastInst = ch.c.served()
			}
			forget(ch.c)
		} else {
			ch.c = &cached{}
			in.cache[ch.def.Id] = ch.c
		}
		touched[ch.def.Id] = true
		var proto *Route
		var invalid *InvalidRoute
		if ch.broken != nil {
			invalid = unparsed(ch.broken, ch.src)
		} else {
			proto, invalid = b.instantiateOrInvalid(ch.def, ch.src)
		}
		*ch.c = cached{def: ch.def, source: ch.src, proto: proto, invalid: invalid, gen: in.gen}
		if proto == nil {
			newInvalid = append(newInvalid, *invalid)
			continue
		}
		if len(proto.inst.closable) > 0 {
			newInst = append(newInst, proto.inst)
		}
		fresh = append(fresh, forPost(proto, ch.def, copyForPost))
	}
	fresh, dropped := postprocess(o, fresh)
	newInvalid = append(newInvalid, dropped...)
	adopted := fresh[:0]
	for _, r := range fresh {
		if inv := b.adopt(r); inv != nil {
			newInvalid = append(newInvalid, *inv)
			continue
		}
		adopted = append(adopted, r)
	}
	fresh = adopted
	for i := range newInvalid {
		touched[newInvalid[i].Id] = true
	}
	if keep {
		keepLastValidChanges(changes, fresh, newInvalid, removedRoutes, removedInst)
	}

	// Lists: the previous ones without what changed, plus the new.
	for _, inv := range prev.invalid {
		if !touched[inv.Id] {
			t.invalid = append(t.invalid, inv)
		}
	}
	t.invalid = append(t.invalid, newInvalid...)
	t.owned = make([]*instance, 0, len(prev.owned)+len(newInst))
	for _, inst := range prev.owned {
		if !removedInst[inst] {
			t.owned = append(t.owned, inst)
		}
	}
	t.owned = append(t.owned, newInst...)
	for _, inst := range t.owned {
		inst.acquire()
	}

	// The tree: copy-on-write of the previous one.
	cw := cowTree{t: t, nodes: map[*node]bool{}, leaves: map[*leaf]bool{}, shards: map[*hostShard]bool{}}
	t.tree = *cw.copyNode(&prev.tree)
	cw.nodes[&t.tree] = true
	t.root = cw.copyLeaf(prev.root)
	maps.Copy(t.predicateUse, prev.predicateUse)
	for r := range removedRoutes {
		cw.remove(r)
		t.countPredicates(r, -1)
	}
	for _, r := range fresh {
		cw.insert(r)
		t.countPredicates(r, 1)
		if c := in.cache[r.Id]; c != nil {
			c.final = r
		}
	}
	for i := range newInvalid {
		if c := in.cache[newInvalid[i].Id]; c != nil && c.proto != nil {
			c.invalid = &newInvalid[i]
		}
	}
	t.findKeyedSpecs(o.Predicates)
	return t, true
}

// cowTree changes a table's tree that shares nodes and leaves with an older
// table: every node or leaf on the way to a change is copied once.
type cowTree struct {
	t      *Table
	nodes  map[*node]bool // copies made in this build
	leaves map[*leaf]bool
	shards map[*hostShard]bool
}

func (cw *cowTree) copyNode(n *node) *node {
	if n == nil {
		c := &node{}
		cw.nodes[c] = true
		return c
	}
	if cw.nodes[n] {
		return n
	}
	c := *n
	if n.static != nil {
		c.static = maps.Clone(n.static)
	}
	cw.nodes[&c] = true
	return &c
}

func (cw *cowTree) copyLeaf(l *leaf) *leaf {
	if l == nil {
		c := &leaf{}
		cw.leaves[c] = true
		return c
	}
	if cw.leaves[l] {
		return l
	}
	c := &leaf{general: append([]*entry(nil), l.general...)}
	l.hosts.cloneTo(&c.hosts)
	cw.leaves[c] = true
	return c
}

// writableHosts makes the part of l's host index that holds h private to
// this build. l is a copy made by copyLeaf.
func (cw *cowTree) writableHosts(l *leaf, h string) {
	hs := l.hosts.sharded
	if hs == nil {
		return
	}
	i := hs.shardIndex(h)
	s := hs.shards[i]
	if cw.shards[s] {
		return
	}
	c := &hostShard{m: maps.Clone(s.m)}
	if c.m == nil {
		c.m = map[string]*entry{}
	}
	cw.shards[c] = true
	hs.shards[i] = c
}

// leafFor walks to the leaf of kp, copying what it passes, and returns the
// slot holding it in a copied node.
func (cw *cowTree) leafFor(kp *keyPath) **leaf {
	n := &cw.t.tree
	for i := range kp.len() {
		s := kp.at(i)
		switch s.kind {
		case segStatic:
			if n.static == nil {
				n.static = map[string]*node{}
			}
			c := cw.copyNode(n.static[s.text])
			n.static[s.text] = c
			n = c
		case segParam:
			n.param = cw.copyNode(n.param)
			n = n.param
		case segFree:
			n.free = cw.copyLeaf(n.free)
			return &n.free
		}
	}
	n.leaf = cw.copyLeaf(n.leaf)
	return &n.leaf
}

func (cw *cowTree) hostKeys(m *matcher) []string {
	if cw.t.noHostIndex && !m.keyed() {
		return nil
	}
	return m.hostKeys
}

func (cw *cowTree) insert(r *Route) {
	m := &r.inst.matcher
	kps, n := m.tree.keyPaths(cw.t.ignoreTrailingSlash)
	if n == 0 {
		cw.insertSorted(cw.t.root, &entry{weight: r.Weight, route: r, m: m, key: &noKey}, cw.hostKeys(m))
		return
	}
	for i := range n {
		l := cw.leafFor(&kps[i])
		cw.insertSorted(*l, &entry{weight: r.Weight, route: r, m: m, key: m.keys[i]}, cw.hostKeys(m))
	}
}

func (cw *cowTree) remove(r *Route) {
	m := &r.inst.matcher
	kps, n := m.tree.keyPaths(cw.t.ignoreTrailingSlash)
	if n == 0 {
		cw.removeRoute(cw.t.root, r, cw.hostKeys(m))
		return
	}
	for i := range n {
		cw.removeRoute(*cw.leafFor(&kps[i]), r, cw.hostKeys(m))
	}
}

// insertSorted adds e where the sort order puts it. The leaf is a copy, but
// host chains may be shared with an older table, so a chain is rebuilt.
func (cw *cowTree) insertSorted(l *leaf, e *entry, hostKeys []string) {
	if len(hostKeys) == 0 {
		i := 0
		for i < len(l.general) && !e.before(l.general[i]) {
			i++
		}
		l.general = append(l.general, nil)
		copy(l.general[i+1:], l.general[i:])
		l.general[i] = e
		return
	}
	for i, h := range hostKeys {
		if i > 0 {
			c := *e // one chain per host: HostAny needs a copy per value
			e = &c
		}
		cw.writableHosts(l, h)
		var chain []*entry
		placed := false
		for c := l.hosts.get(h); c != nil; c = c.next {
			if !placed && e.before(c) {
				chain = append(chain, e)
				placed = true
			}
			chain = append(chain, c)
		}
		if !placed {
			chain = append(chain, e)
		}
		l.hosts.set(h, relink(chain, e))
	}
	l.hosts.split(cw.t.shardHosts)
}

func (cw *cowTree) removeRoute(l *leaf, r *Route, hostKeys []string) {
	if len(hostKeys) == 0 {
		out := l.general[:0]
		for _, e := range l.general {
			if e.route != r {
				out = append(out, e)
			}
		}
		clear(l.general[len(out):])
		l.general = out
		return
	}
	for _, h := range hostKeys {
		cw.writableHosts(l, h)
		var chain []*entry
		for c := l.hosts.get(h); c != nil; c = c.next {
			if c.route != r {
				chain = append(chain, c)
			}
		}
		if len(chain) == 0 {
			l.hosts.del(h)
			continue
		}
		l.hosts.set(h, relink(chain, nil))
	}
}

// relink builds a fresh chain of copies of the entries (own is used as is:
// it is new), returning its head.
func relink(chain []*entry, own *entry) *entry {
	var next *entry
	for i := len(chain) - 1; i >= 0; i-- {
		e := chain[i]
		if e != own {
			c := *e
			e = &c
		}
		e.next = next
		next = e
	}
	return next
}
