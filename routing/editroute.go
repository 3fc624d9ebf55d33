package routing

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/eskip"
)

// RouteEdit is one -edit-route or -clone-route rule: a regexp applied to
// the canonical text of every custom predicate and filter of a route.
type RouteEdit struct {
	rx   *regexp.Regexp
	repl string
}

// ParseRouteEdit parses '/<regexp>/<replacement>/'. The first character
// is the separator, whatever it is, so that a regexp with slashes can use
// another one ('#a/b#c#').
func ParseRouteEdit(s string) (RouteEdit, error) {
	if s == "" {
		return RouteEdit{}, errors.New("empty rule: want /<regexp>/<replacement>/")
	}
	sep := s[:1]
	parts := strings.Split(s, sep)
	if len(parts) != 4 {
		return RouteEdit{}, fmt.Errorf("%q: want %s<regexp>%s<replacement>%s (3 separators %q, got %d)", s, sep, sep, sep, sep, len(parts)-1)
	}
	rx, err := regexp.Compile(parts[1])
	if err != nil {
		return RouteEdit{}, fmt.Errorf("%q: %w", s, err)
	}
	return RouteEdit{rx: rx, repl: parts[2]}, nil
}

// apply returns r rewritten by e and whether anything changed; r itself
// is not modified. Predicates lifted into their own fields by the parser
// (Path, Host, PathRegexp, Method, Header, HeaderRegexp) are not edited.
func (e RouteEdit) apply(r *eskip.Route, log logrus.FieldLogger) (*eskip.Route, bool) {
	preds := editEach(e, r.Id, "predicate", r.Predicates, editablePredicateText, eskip.ParsePredicates, log)
	fs := editEach(e, r.Id, "filter", r.Filters, editableFilterText, eskip.ParseFilters, log)
	if preds == nil && fs == nil {
		return r, false
	}
	c := *r
	if preds != nil {
		c.Predicates = preds
	}
	if fs != nil {
		c.Filters = fs
	}
	return &c, true
}

// editEach rewrites the text of every element of list (predicates or
// filters of route id) by e. It returns nil when nothing changed, else the
// new list; a rewrite that does not parse is logged and the element kept
// as it was.
func editEach[T any](e RouteEdit, id, kind string, list []T, text func(T) string, parse func(string) ([]T, error), log logrus.FieldLogger) []T {
	var out []T // copy on first change
	for i, x := range list {
		s := text(x)
		ns := e.rx.ReplaceAllString(s, e.repl)
		if ns == s {
			if out != nil {
				out = append(out, x)
			}
			continue
		}
		nx, err := parse(ns)
		if err != nil {
			log.Warnf("route %s: edited %s %s does not parse, kept as it was: %v", id, kind, ns, err)
			if out != nil {
				out = append(out, x)
			}
			continue
		}
		if out == nil {
			out = append(make([]T, 0, len(list)), list[:i]...)
		}
		out = append(out, nx...)
	}
	return out
}

// editablePredicateText is the canonical Name(args) form of p.
func editablePredicateText(p *eskip.Predicate) string {
	s := (&eskip.Route{Predicates: []*eskip.Predicate{p}, BackendType: eskip.ShuntBackend}).String()
	return strings.TrimSuffix(s, " -> <shunt>")
}

// editableFilterText is the canonical Name(args) form of f.
func editableFilterText(f *eskip.Filter) string {
	s := (&eskip.Route{Filters: []*eskip.Filter{f}, BackendType: eskip.ShuntBackend}).String()
	return strings.TrimSuffix(strings.TrimPrefix(s, "* -> "), " -> <shunt>")
}

func orDiscard(log logrus.FieldLogger) logrus.FieldLogger {
	if log != nil {
		return log
	}
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

// routeEditor is the -edit-route pre-processor: routes are rewritten in
// place, by every rule in turn.
type routeEditor struct {
	rules []RouteEdit
	log   logrus.FieldLogger
}

// NewRouteEditor returns the pre-processor of -edit-route. Rewrites that
// do not parse are logged to log and leave the element as it was.
func NewRouteEditor(rules []RouteEdit, log logrus.FieldLogger) PreProcessor {
	return routeEditor{rules, orDiscard(log)}
}

func (e routeEditor) Do(routes []*eskip.Route) []*eskip.Route {
	return rewriteRoutes(routes, func(r *eskip.Route) (*eskip.Route, bool) {
		nr, changed := r, false
		if r != nil {
			for _, rule := range e.rules {
				var c bool
				if nr, c = rule.apply(nr, e.log); c {
					changed = true
				}
			}
		}
		return nr, changed
	})
}

// RouteLocal: a route is edited on its own and keeps its id.
func (routeEditor) RouteLocal() bool { return true }

var _ RouteLocalPreProcessor = routeEditor{}

// routeCloner is the -clone-route pre-processor: for each rule in turn,
// every route the rule changes gets a rewritten copy with id clone_<id>
// (copies made by an earlier rule are cloned again).
type routeCloner struct {
	rules []RouteEdit
	log   logrus.FieldLogger
}

// NewRouteCloner returns the pre-processor of -clone-route. It is not
// route-local: it adds routes under new ids, so a change of one route
// rebuilds the whole table.
func NewRouteCloner(rules []RouteEdit, log logrus.FieldLogger) PreProcessor {
	return routeCloner{rules, orDiscard(log)}
}

func (c routeCloner) Do(routes []*eskip.Route) []*eskip.Route {
	for _, rule := range c.rules {
		var clones []*eskip.Route
		for _, r := range routes {
			if r == nil {
				continue
			}
			if nr, changed := rule.apply(r, c.log); changed {
				nr.Id = "clone_" + r.Id
				clones = append(clones, nr)
			}
		}
		if clones != nil {
			routes = append(routes[:len(routes):len(routes)], clones...)
		}
	}
	return routes
}
