package routing

import "github.com/skiff-proxy/skiff/eskip"

// sameDef reports whether two definitions instantiate identically, so the
// later one can reuse the earlier one's instance. It is strict (order of
// predicates and filters matters) and says false when unsure.
func sameDef(a, b *eskip.Route) bool {
	if a == b {
		return true
	}
	if a.Id != b.Id || a.Path != b.Path || a.Method != b.Method || a.BackendType != b.BackendType ||
		a.Backend != b.Backend || a.LBAlgorithm != b.LBAlgorithm ||
		!sameStrings(a.HostRegexps, b.HostRegexps) || !sameStrings(a.PathRegexps, b.PathRegexps) ||
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
		if w, ok := b.HeaderRegexps[k]; !ok || !sameStrings(v, w) {
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

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameArgs compares eskip argument values; other types count as different.
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
