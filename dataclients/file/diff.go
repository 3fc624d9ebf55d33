package file

import (
	"reflect"
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
	if a.Id != b.Id || a.Path != b.Path || a.Method != b.Method || a.BackendType != b.BackendType ||
		a.Backend != b.Backend || a.LBAlgorithm != b.LBAlgorithm || a.Pos.Line != b.Pos.Line ||
		a.Pos.Column != b.Pos.Column || a.Pos.Source != b.Pos.Source ||
		!slices.Equal(a.HostRegexps, b.HostRegexps) || !slices.Equal(a.PathRegexps, b.PathRegexps) ||
		len(a.Headers) != len(b.Headers) || len(a.HeaderRegexps) != len(b.HeaderRegexps) ||
		len(a.Predicates) != len(b.Predicates) || len(a.Filters) != len(b.Filters) ||
		len(a.LBEndpoints) != len(b.LBEndpoints) {
		return false
	}
	for k, v := range a.Headers {
		if w, ok := b.Headers[k]; !ok || v != w {
			return false
		}
	}
	for k, v := range a.HeaderRegexps {
		if w, ok := b.HeaderRegexps[k]; !ok || !slices.Equal(v, w) {
			return false
		}
	}
	for i, p := range a.Predicates {
		q := b.Predicates[i]
		if p.Name != q.Name || !sameArgs(p.Args, q.Args) {
			return false
		}
	}
	for i, f := range a.Filters {
		g := b.Filters[i]
		if f.Name != g.Name || !sameArgs(f.Args, g.Args) {
			return false
		}
	}
	for i, e := range a.LBEndpoints {
		if *e != *b.LBEndpoints[i] {
			return false
		}
	}
	return true
}

func sameArgs(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		switch x := a[i].(type) {
		case string:
			if y, ok := b[i].(string); !ok || x != y {
				return false
			}
		case float64:
			if y, ok := b[i].(float64); !ok || x != y {
				return false
			}
		default:
			if !reflect.DeepEqual(a[i], b[i]) {
				return false
			}
		}
	}
	return true
}
