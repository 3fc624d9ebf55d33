package eskip

import (
	"slices"
	"sort"
)

// Canonical returns the canonical form of r, used for equality and JSON:
// the built-in predicate fields are merged into the predicate list (Method
// first, then Path if there is no Path predicate yet, the Host and
// PathRegexp values, Header and HeaderRegexp sorted by header name and
// value), the
// list is stable-sorted by name, load-balanced endpoints are sorted by
// address and only network backends keep an address. r is not modified; the
// result shares arguments with it.
func Canonical(r *Route) *Route {
	if r == nil {
		return nil
	}
	c := &Route{Id: r.Id, BackendType: r.BackendType, Filters: r.Filters}

	var preds []*Predicate
	if r.Method != "" {
		preds = append(preds, &Predicate{Name: "Method", Args: []any{r.Method}})
	}
	preds = append(preds, r.Predicates...)
	if r.Path != "" {
		hasPath := false
		for _, p := range r.Predicates {
			if p.Name == "Path" {
				hasPath = true
				break
			}
		}
		if !hasPath {
			preds = append(preds, &Predicate{Name: "Path", Args: []any{r.Path}})
		}
	}
	for _, h := range r.HostRegexps {
		preds = append(preds, &Predicate{Name: "Host", Args: []any{h}})
	}
	for _, p := range r.PathRegexps {
		preds = append(preds, &Predicate{Name: "PathRegexp", Args: []any{p}})
	}
	for _, k := range sortedKeys(r.Headers) {
		preds = append(preds, &Predicate{Name: "Header", Args: []any{k, r.Headers[k]}})
	}
	for _, k := range sortedKeys(r.HeaderRegexps) {
		// All values must match, so their order carries no meaning; the
		// printer sorts them, and so does equality.
		vs := append([]string(nil), r.HeaderRegexps[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			preds = append(preds, &Predicate{Name: "HeaderRegexp", Args: []any{k, v}})
		}
	}
	sort.SliceStable(preds, func(i, j int) bool { return preds[i].Name < preds[j].Name })
	c.Predicates = preds

	switch r.BackendType {
	case NetworkBackend:
		c.Backend = r.Backend
	case LBBackend:
		c.LBAlgorithm = r.LBAlgorithm
		if len(r.LBEndpoints) > 0 {
			c.LBEndpoints = make([]*LBEndpoint, len(r.LBEndpoints))
			copy(c.LBEndpoints, r.LBEndpoints)
			sort.SliceStable(c.LBEndpoints, func(i, j int) bool {
				return c.LBEndpoints[i].Address < c.LBEndpoints[j].Address
			})
		}
	}
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Eq tells whether all the routes are equal: same id, same canonical
// predicates and filters (name and arguments, in order) and the same
// backend. Positions are ignored. Fewer than two routes are equal.
func Eq(r ...*Route) bool {
	for i := 1; i < len(r); i++ {
		if !eq2(r[0], r[i]) {
			return false
		}
	}
	return true
}

func eq2(a, b *Route) bool {
	if a == nil || b == nil {
		return a == b
	}
	ca, cb := Canonical(a), Canonical(b)
	if ca.Id != cb.Id || ca.BackendType != cb.BackendType || ca.Backend != cb.Backend ||
		ca.LBAlgorithm != cb.LBAlgorithm {
		return false
	}
	if len(ca.Predicates) != len(cb.Predicates) || len(ca.Filters) != len(cb.Filters) ||
		len(ca.LBEndpoints) != len(cb.LBEndpoints) {
		return false
	}
	for i, p := range ca.Predicates {
		q := cb.Predicates[i]
		if p.Name != q.Name || !argsEqual(p.Args, q.Args) {
			return false
		}
	}
	for i, f := range ca.Filters {
		g := cb.Filters[i]
		if f.Name != g.Name || !argsEqual(f.Args, g.Args) {
			return false
		}
	}
	for i, e := range ca.LBEndpoints {
		f := cb.LBEndpoints[i]
		if e.Address != f.Address || e.Zone != f.Zone {
			return false
		}
	}
	return true
}

// EqLists tells whether the route lists hold equal routes, regardless of
// order (routes are matched by id). A list with duplicate ids is never
// equal to anything.
func EqLists(lists ...[]*Route) bool {
	sorted := make([][]*Route, len(lists))
	for i, l := range lists {
		s := make([]*Route, len(l))
		copy(s, l)
		sort.SliceStable(s, func(a, b int) bool { return s[a].Id < s[b].Id })
		for j := 1; j < len(s); j++ {
			if s[j].Id == s[j-1].Id {
				return false
			}
		}
		sorted[i] = s
	}
	for i := 1; i < len(sorted); i++ {
		if len(sorted[i]) != len(sorted[0]) {
			return false
		}
		for j := range sorted[0] {
			if !eq2(sorted[0][j], sorted[i][j]) {
				return false
			}
		}
	}
	return true
}

// Identical tells whether two routes are written alike field by field: the
// built-in predicate fields, predicates and filters in order, the backend
// and the endpoints in order. Unlike Eq there is no canonical form, so two
// routes that mean the same but are written differently are not identical.
// Positions are ignored. Arguments are compared by value when they are
// strings, float64 or int (NaN differs from itself); any other argument
// type counts as different, so callers that reuse state built from a route
// err towards rebuilding.
func Identical(a, b *Route) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	if a.Id != b.Id || a.Path != b.Path || a.Method != b.Method || a.BackendType != b.BackendType ||
		a.Backend != b.Backend || a.LBAlgorithm != b.LBAlgorithm ||
		!slices.Equal(a.HostRegexps, b.HostRegexps) || !slices.Equal(a.PathRegexps, b.PathRegexps) ||
		len(a.Headers) != len(b.Headers) || len(a.HeaderRegexps) != len(b.HeaderRegexps) ||
		len(a.Predicates) != len(b.Predicates) || len(a.Filters) != len(b.Filters) ||
		len(a.LBEndpoints) != len(b.LBEndpoints) {
		return false
	}
	for k, v := range a.Headers {
		if w, ok := b.Headers[k]; !ok || w != v {
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
		if p.Name != q.Name || !identicalArgs(p.Args, q.Args) {
			return false
		}
	}
	for i, f := range a.Filters {
		g := b.Filters[i]
		if f.Name != g.Name || !identicalArgs(f.Args, g.Args) {
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

func identicalArgs(a, b []any) bool {
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
		case int:
			if y, ok := b[i].(int); !ok || x != y {
				return false
			}
		default:
			return false
		}
	}
	return true
}
