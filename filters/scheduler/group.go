package scheduler

import (
	"slices"
	"strconv"
)

// A lifoGroup's settings come from the routes of the group that give
// them, as in skipper the first such route's (a warning says when they
// differ). Filters do not know their route when they are created, so every
// lifoGroup filter with settings files a claim when it is created, in
// creation order (route order when a table is built), and learns its route
// id from its first request. A claim's place in the group is its creation
// number, or, once its route is known, the number of the earliest live
// claim of that route: a route whose definition changed keeps its place,
// and the new definition's settings apply from its first request on,
// while the old definition's claim (still held by requests of the old
// table) no longer counts. Claims go when their filter is closed; a route
// keeps its place while any claim of it lives.

// claim is the settings one lifoGroup filter gives its group.
type claim struct {
	seq   uint64
	set   settings
	route string // "" until the filter's first request
}

// group is the bookkeeping of one lifoGroup queue, under Registry.mu.
type group struct {
	name     string
	claims   []*claim
	places   map[string]uint64 // route id: the creation number of its earliest claim
	applied  settings
	conflict bool
}

// superseded reports whether a newer claim of the same route exists.
func (g *group) superseded(c *claim) bool {
	if c.route == "" {
		return false
	}
	for _, o := range g.claims {
		if o.route == c.route && o.seq > c.seq {
			return true
		}
	}
	return false
}

// place orders the claims: a labelled claim takes the place of its
// route's earliest claim.
func (g *group) place(c *claim) uint64 {
	if p, ok := g.places[c.route]; ok && c.route != "" {
		return p
	}
	return c.seq
}

// routeLives reports whether a claim of route is left.
func (g *group) routeLives(route string) bool {
	for _, o := range g.claims {
		if o.route == route {
			return true
		}
	}
	return false
}

// effective returns the settings that apply and whether the counting
// claims disagree.
func (g *group) effective() (settings, bool) {
	var best *claim
	var bestPlace uint64
	for _, c := range g.claims {
		if g.superseded(c) {
			continue
		}
		if p := g.place(c); best == nil || p < bestPlace {
			best, bestPlace = c, p
		}
	}
	if best == nil {
		return defaultSettings, false
	}
	conflict := false
	for _, c := range g.claims {
		if !g.superseded(c) && c.set != best.set {
			conflict = true
		}
	}
	return best.set, conflict
}

// joinGroup returns the queue of group name with a reference for a new
// filter; c is the filter's claim, nil when it gives no settings.
func (r *Registry) joinGroup(name string, c *claim) *queue {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweepLocked()
	key := queueKey{kindGroup, name}
	q := r.queues[key]
	fresh := q == nil
	if fresh {
		s := defaultSettings
		if c != nil {
			s = c.set
		}
		q = r.queueLocked(key, s, 0)
		q.grp = &group{name: name, places: map[string]uint64{}, applied: s}
	} else {
		q.refs++
		delete(r.orphans, q)
	}
	if c != nil {
		q.grp.claims = append(q.grp.claims, c)
	}
	r.regroupLocked(q)
	return q
}

// labelClaim tells the group the route of c's filter.
func (r *Registry) labelClaim(q *queue, c *claim, route string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := q.grp
	if !slices.Contains(g.claims, c) {
		return // closed meanwhile
	}
	c.route = route
	if p, ok := g.places[route]; !ok || c.seq < p {
		g.places[route] = c.seq
	}
	r.regroupLocked(q)
}

// leaveGroup drops a closed filter's reference and claim.
func (r *Registry) leaveGroup(q *queue, c *claim) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c != nil {
		g := q.grp
		cs := g.claims
		for i, o := range cs {
			if o == c {
				g.claims = append(cs[:i:i], cs[i+1:]...)
				break
			}
		}
		if c.route != "" && !g.routeLives(c.route) {
			delete(g.places, c.route)
		}
		r.regroupLocked(q)
	}
	r.unrefLocked(q)
	r.sweepLocked()
}

// regroupLocked applies the group's effective settings and warns when
// its routes start to disagree.
func (r *Registry) regroupLocked(q *queue) {
	g := q.grp
	s, conflict := g.effective()
	if conflict && (!g.conflict || s != g.applied) {
		r.log.Warnf("lifoGroup %q: its routes give different settings; the earliest route's apply (maxConcurrency %d, maxQueueSize %s, timeout %s)",
			g.name, s.maxConcurrency, queueSizeText(s.maxQueue), s.timeout)
	}
	g.conflict = conflict
	if s != g.applied {
		g.applied = s
		q.configure(s, 0)
	}
}

func queueSizeText(n int) string {
	if n < 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}
