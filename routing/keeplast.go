package routing

// Keeping the last valid version of a route.
//
// A Routing remembers, per route id, what its current table serves (the
// cache). When a new definition of an id turns out invalid, at whatever
// stage (instantiation after the pre-processors, a post-processor, or
// deriving the conditions of a route a post-processor made), and the
// previous table served a valid version of that id, the new table serves
// that same route again: the same *Route, with its filters, predicates
// and balancer state, and the same instance, so its closable filters stay
// open. The rejected version is listed in Table.Invalid with Stale set.
// A later valid version replaces the kept one; a deletion removes it. An
// id that was never valid has nothing to keep. The full build and the
// copy-on-write build apply the same rule, so that whichever path a change
// takes gives the same table.

// served returns the route the current table serves for the id, and the
// instance that owns its closable filters: the current version when it is
// valid, the kept one while stale, else nil.
func (c *cached) served() (*Route, *instance) {
	if c.final != nil {
		if c.proto == nil {
			// a route a post-processor made under the id of an invalid
			// definition: it owns nothing
			return c.final, nil
		}
		return c.final, c.proto.inst
	}
	if c.stale {
		return c.last, c.lastInst
	}
	return nil, nil
}

// keepLastValid is the rule for a full build: every id rejected in this
// build that has no valid route in the table and whose cache entry holds
// what the previous table served gets that route back. buildFull calls it
// after inserting the valid routes and before sorting the tree.
func (t *Table) keepLastValid(in buildInput) {
	for i := range t.invalid {
		inv := &t.invalid[i]
		c := in.cache[inv.Id]
		if c == nil || c.gen != in.gen || c.final != nil || c.last == nil {
			continue
		}
		inv.Stale = true
		if c.stale {
			continue // the id is listed twice; it is served once
		}
		c.stale = true
		t.insert(c.last)
		t.countPredicates(c.last, 1)
		if in.managed && c.lastInst != nil && len(c.lastInst.closable) > 0 {
			c.lastInst.acquire()
			t.owned = append(t.owned, c.lastInst)
		}
	}
}

// keepLastValidChanges is the rule for a copy-on-write build: a changed id
// rejected in this build, without a valid route in fresh, whose previous
// table served a route (change.last) keeps serving it. The kept route and
// its instance are taken off the lists of what the new table drops, so
// they stay in the shared tree and among the owned instances.
func keepLastValidChanges(changes []change, fresh []*Route, invalid []InvalidRoute, removedRoutes map[*Route]bool, removedInst map[*instance]bool) {
	if len(invalid) == 0 {
		return // the usual change: nothing rejected
	}
	var byID map[string]*change
	for i := range changes {
		if changes[i].last != nil {
			if byID == nil {
				byID = map[string]*change{}
			}
			byID[changes[i].def.Id] = &changes[i]
		}
	}
	if byID == nil {
		return
	}
	valid := make(map[string]bool, len(fresh))
	for _, r := range fresh {
		valid[r.Id] = true
	}
	for i := range invalid {
		inv := &invalid[i]
		ch := byID[inv.Id]
		if ch == nil || valid[inv.Id] {
			continue
		}
		inv.Stale = true
		if ch.c.stale {
			continue
		}
		ch.c.stale, ch.c.last, ch.c.lastInst = true, ch.last, ch.lastInst
		delete(removedRoutes, ch.last)
		if ch.lastInst != nil {
			delete(removedInst, ch.lastInst)
		}
	}
}
