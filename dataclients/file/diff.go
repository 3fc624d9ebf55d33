package file

import (
	"slices"

	"github.com/skiff-proxy/skiff/eskip"
)

// merge returns the union of the route sets by id, in first-seen order,
// each id holding the route of its last definition.
func merge(sets [][]*eskip.Route) []*eskip.Route {
	n := 0
	for _, s := range sets {
		n += len(s)
	}
	index := make(map[string]int, n)
	out := make([]*eskip.Route, 0, n)
	for _, s := range sets {
		for _, r := range s {
			if i, ok := index[r.Id]; ok {
				out[i] = r
				continue
			}
			index[r.Id] = len(out)
			out = append(out, r)
		}
	}
	return out
}

// diff compares the merged set next with the set last sent (by id) and
// returns the routes that are new or changed and the ids that are gone.
func diff(last map[string]*eskip.Route, next []*eskip.Route) (upserts []*eskip.Route, deletes []string) {
	seen := make(map[string]struct{}, len(next))
	for _, r := range next {
		seen[r.Id] = struct{}{}
		if old, ok := last[r.Id]; !ok || (old != r && !sameRoute(old, r)) {
			upserts = append(upserts, r)
		}
	}
	for id := range last {
		if _, ok := seen[id]; !ok {
			deletes = append(deletes, id)
		}
	}
	slices.Sort(deletes)
	return upserts, deletes
}

// sameRoute reports whether two definitions are identical, including the
// line and column where they start: a route that moved to another line is
// sent again so that the positions shown for it (invalid-route list,
// explain) stay right. The byte offset is not compared, so an edit that
// keeps the line structure does not resend every route after it; Pos.Offset
// of a route that was not resent may therefore be out of date.
func sameRoute(a, b *eskip.Route) bool {
	if a == b {
		return true
	}
	return a.Pos.Line == b.Pos.Line && a.Pos.Column == b.Pos.Column && a.Pos.Source == b.Pos.Source &&
		eskip.Identical(a, b)
}
