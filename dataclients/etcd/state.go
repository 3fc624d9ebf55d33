package etcd

import (
	"slices"

	"github.com/skiff-proxy/skiff/dataclients"
)

// resync turns a full read into the Update to push: all routes the first
// time (Reset), later only the difference to what was pushed before, so
// that a read after an outage or a compaction does not rebuild routes
// that did not change.
func (r *runner) resync(s snapshot) dataclients.Update {
	var u dataclients.Update
	if !r.started {
		u.Reset, r.started = true, true
	}
	seen := make(map[string]struct{}, len(s.entries))
	for _, e := range s.entries {
		seen[e.id] = struct{}{}
		r.put(&u, e.key, e.id, e.value)
	}
	var gone []string
	for id := range r.sent {
		if _, ok := seen[id]; !ok {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		r.remove(&u, r.key(id), id)
	}
	return u
}

// put adds the value of id to u unless it is the value last pushed.
func (r *runner) put(u *dataclients.Update, key, id, value string) {
	if old, ok := r.sent[id]; ok && old == value {
		return
	}
	r.sent[id] = value
	if !isSymbol(id) && !r.warned[id] {
		r.warned[id] = true
		r.log.Warnf("etcd key %s: the route id %q is not an eskip symbol (letters, digits, _); it is loaded, but printed routes with it do not parse", key, id)
	}
	route, inv := parseValue(key, id, value)
	if inv != nil {
		u.Invalid = append(u.Invalid, *inv)
		if logged, ok := r.badLogged[key]; !ok || logged != value {
			r.badLogged[key] = value
			r.log.Errorf("etcd key %s: %v; the route is not loaded (a valid version loaded before keeps serving)", where(inv), inv.Err)
		}
		return
	}
	delete(r.badLogged, key)
	u.Upserts = append(u.Upserts, route)
}

// remove adds the deletion of id to u if it was pushed.
func (r *runner) remove(u *dataclients.Update, key, id string) {
	delete(r.badLogged, key)
	delete(r.warned, id)
	if _, ok := r.sent[id]; !ok {
		return
	}
	delete(r.sent, id)
	u.Deletes = append(u.Deletes, id)
}
