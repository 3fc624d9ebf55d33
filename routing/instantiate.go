package routing

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

// builder instantiates the routes of one table generation. Regexps and
// backend splits are shared within the generation: identical sources are
// compiled or parsed once.
type builder struct {
	o        BuildOptions
	regexps  map[string]rxResult
	backends map[string]backendSplit
	keys     keyInterner
}

type rxResult struct {
	rx  *regexp.Regexp
	err error
}

type backendSplit struct {
	addr eskip.BackendAddress
	err  error
}

func newBuilder(o BuildOptions) *builder {
	return &builder{o: o, regexps: map[string]rxResult{}, backends: map[string]backendSplit{}, keys: keyInterner{}}
}

func (b *builder) regexp(src string) (*regexp.Regexp, error) {
	if r, ok := b.regexps[src]; ok {
		return r.rx, r.err
	}
	rx, err := regexp.Compile(src)
	b.regexps[src] = rxResult{rx, err}
	return rx, err
}

type routeError struct {
	reason string
	err    error
}

func fail(reason string, format string, args ...any) *routeError {
	return &routeError{reason, fmt.Errorf(format, args...)}
}

// instantiate turns one definition into a Route and its matcher, in the
// order the route is built: backend, predicates, filters; the first
// failure makes the route invalid.
func (b *builder) instantiate(def *eskip.Route, source string) (_ *Route, _ *matcher, failed *routeError) {
	r := &Route{Def: def, Id: def.Id, Source: source, BackendType: def.BackendType}
	var closable []filters.Closer
	defer func() {
		// A route that fails after some of its filters were created is
		// in no table: nothing else would close them.
		if failed != nil {
			closeAll(closable)
		}
	}()

	// 1. Backend split.
	switch def.BackendType {
	case eskip.NetworkBackend:
		// An empty address is accepted as skipper accepts it; the proxy
		// answers such a route with an error.
		if def.Backend != "" {
			s := b.split(def.Backend)
			if s.err != nil {
				return nil, nil, &routeError{ReasonFailedBackendSplit, s.err}
			}
			r.Scheme, r.Host = s.addr.Scheme, s.addr.Host
		}
	case eskip.LBBackend:
		r.LBAlgorithm = def.LBAlgorithm
		eps, err := b.lbEndpoints(def)
		if err != nil {
			return nil, nil, err
		}
		r.LBEndpoints = eps
	}

	// 2. Filters.
	if len(def.Filters) > 0 {
		r.Filters = make([]*RouteFilter, 0, len(def.Filters))
	}
	for i, f := range def.Filters {
		spec, ok := b.o.Filters[f.Name]
		if !ok {
			if b.isPredicateName(f.Name) {
				return nil, nil, fail(ReasonUnknownFilter, "filter %q (#%d) is only available as a predicate", f.Name, i+1)
			}
			return nil, nil, fail(ReasonUnknownFilter, "unknown filter %q (#%d)", f.Name, i+1)
		}
		inst, err := createFilter(spec, f.Args)
		if err != nil {
			return nil, nil, &routeError{ReasonInvalidFilterParams, fmt.Errorf("filter %s (#%d): %w", f.Name, i+1, err)}
		}
		r.Filters = append(r.Filters, &RouteFilter{Name: f.Name, Args: f.Args, Filter: inst})
		if c, ok := inst.(filters.Closer); ok {
			closable = append(closable, c)
		}
	}

	inst := &instance{}
	m := &inst.matcher
	m.method = def.Method
	// Full slice expressions: appending legacy predicates must not write
	// into the definition.
	hosts := def.HostRegexps[:len(def.HostRegexps):len(def.HostRegexps)]
	pathRxs := def.PathRegexps[:len(def.PathRegexps):len(def.PathRegexps)]
	headers := map[string]string{}
	for k, v := range def.Headers {
		headers[http.CanonicalHeaderKey(k)] = v
	}
	headerRxs := map[string][]string{}
	for k, v := range def.HeaderRegexps {
		k = http.CanonicalHeaderKey(k)
		headerRxs[k] = append(headerRxs[k], v...)
	}
	// Path/PathSubtree arguments, legacy Path field first. A route has one
	// (more is an error): the arrays keep them off the heap.
	var treeArgsBuf, treeNamesBuf [2]string
	treeArgs, treeNames := treeArgsBuf[:0], treeNamesBuf[:0]
	if def.Path != "" {
		treeArgs, treeNames = append(treeArgs, def.Path), append(treeNames, PathName)
	}
	weight := 0
	var treeBad *routeError // reported after the count check of step 5
	keyed := ""             // the index key of a KeyedPredicate

	// 3. Legacy merge of generic matcher predicates, 4. custom predicates.
	for i, p := range def.Predicates {
		switch p.Name {
		case HostName, PathRegexpName, MethodName:
			s, err := stringArgs(p, 1)
			if err != nil {
				return nil, nil, &routeError{ReasonInvalidPredicateParams, err}
			}
			switch p.Name {
			case HostName:
				hosts = append(hosts, s[0])
			case PathRegexpName:
				pathRxs = append(pathRxs, s[0])
			default:
				m.method = s[0]
			}
		case HeaderName, HeaderRegexpName:
			s, err := stringArgs(p, 2)
			if err != nil {
				return nil, nil, &routeError{ReasonInvalidPredicateParams, err}
			}
			k := http.CanonicalHeaderKey(s[0])
			if p.Name == HeaderName {
				headers[k] = s[1]
			} else {
				headerRxs[k] = append(headerRxs[k], s[1])
			}
		case PathName, PathSubtreeName:
			treeNames = append(treeNames, p.Name)
			if len(p.Args) == 1 {
				if s, ok := p.Args[0].(string); ok {
					treeArgs = append(treeArgs, s)
					continue
				}
			}
			treeArgs = append(treeArgs, "")
			if treeBad == nil {
				treeBad = fail(ReasonInvalidPredicateParams, "%s: want one string argument, got %v", p.Name, p.Args)
			}
		case WeightName:
			if len(p.Args) != 1 {
				return nil, nil, fail(ReasonInvalidPredicateParams, "Weight: want one number, got %d arguments", len(p.Args))
			}
			w, ok := number(p.Args[0])
			if !ok {
				return nil, nil, fail(ReasonInvalidPredicateParams, "Weight: want a number, got %s", typeName(p.Args[0]))
			}
			weight += int(w)
		case "*", "Any":
			// catch-all, normally removed by the parser
		default:
			spec, ok := b.o.Predicates[p.Name]
			if !ok && p.Name == HostAnyName {
				spec, ok = HostAnySpec{}, true
			}
			if !ok {
				if _, isFilter := b.o.Filters[p.Name]; isFilter {
					return nil, nil, fail(ReasonUnknownPredicate, "predicate %q (#%d) is only available as a filter", p.Name, i+1)
				}
				return nil, nil, fail(ReasonUnknownPredicate, "unknown predicate %q (#%d)", p.Name, i+1)
			}
			inst, err := createPredicate(spec, p.Args)
			if err != nil {
				return nil, nil, &routeError{ReasonInvalidPredicateParams, fmt.Errorf("predicate %s (#%d): %w", p.Name, i+1, err)}
			}
			r.Predicates = append(r.Predicates, inst)
			weight++
			if ws, ok := spec.(WeightedPredicateSpec); ok {
				weight += ws.Weight()
			}
			if ha, ok := inst.(*hostAny); ok && m.hostKeys == nil {
				m.hostKeys = ha.hosts
			}
			if kp, ok := inst.(KeyedPredicate); ok {
				if _, keyedSpec := spec.(KeyedPredicateSpec); keyedSpec {
					keyed = kp.IndexKey()
				}
			}
		}
	}

	// 5. Tree predicates.
	if len(treeArgs) > 1 {
		return nil, nil, fail(ReasonInvalidPredicateParams, "multiple tree predicates (Path, PathSubtree) in the route: %s", def.Id)
	}
	if treeBad != nil {
		return nil, nil, treeBad
	}

	// 6. Matcher.
	if m.method != "" {
		weight++
	}
	weight += len(hosts) + len(pathRxs) + len(headers) + len(headerRxs)
	for _, h := range hosts {
		if lit, ok := exactHost(h); ok {
			m.hostExact = append(m.hostExact, lit)
			continue
		}
		rx, err := b.regexp(h)
		if err != nil {
			return nil, nil, &routeError{ReasonInvalidMatcher, fmt.Errorf("Host regexp: %w", err)}
		}
		m.hostRx = append(m.hostRx, rx)
	}
	if len(m.hostExact) > 0 {
		// One exact Host is a tighter index key than HostAny's list.
		m.hostKeys = m.hostExact[:1:1]
	}
	if keyed != "" {
		// A keyed route is found through its spec's Resolve only: it is
		// filed in the root leaf under its index key, which no Host
		// header can equal (keyed.go).
		if len(treeArgs) > 0 {
			return nil, nil, fail(ReasonInvalidPredicateParams, "a keyed predicate cannot be combined with Path or PathSubtree")
		}
		m.hostKeys = []string{keyed}
	}
	for _, p := range pathRxs {
		rx, err := b.regexp(p)
		if err != nil {
			return nil, nil, &routeError{ReasonInvalidMatcher, fmt.Errorf("PathRegexp: %w", err)}
		}
		m.more().pathRx = append(m.more().pathRx, rx)
	}
	for _, k := range sortedKeys(headers) {
		m.more().headers = append(m.more().headers, headerExact{k, headers[k]})
	}
	for _, k := range sortedKeys(headerRxs) {
		h := headerRegexps{name: k}
		for _, src := range headerRxs[k] {
			rx, err := b.regexp(src)
			if err != nil {
				return nil, nil, &routeError{ReasonInvalidMatcher, fmt.Errorf("HeaderRegexp %s: %w", k, err)}
			}
			h.rx = append(h.rx, rx)
		}
		m.more().headerRx = append(m.more().headerRx, h)
	}
	r.Weight = weight

	if len(treeArgs) == 1 {
		tk, err := makeTreeKey(treeNames[0], treeArgs[0], b.o.IgnoreTrailingSlash)
		if err != nil {
			return nil, nil, &routeError{ReasonInvalidMatcher, err}
		}
		m.tree = tk
		kps, n := tk.keyPaths(b.o.IgnoreTrailingSlash)
		for i := range n {
			m.keys[i] = b.keys.get(&kps[i])
		}
	}
	inst.closable = closable
	r.inst = inst
	return r, m, nil
}

// createFilter and createPredicate turn a panic of a spec into an error:
// a route definition, whatever its arguments, must not stop the process
// that builds the table.
func createFilter(spec filters.Spec, args []any) (f filters.Filter, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("creating the filter panicked: %v", p)
		}
	}()
	f, err = spec.CreateFilter(args)
	if err == nil && f == nil {
		err = errors.New("the filter spec returned no filter")
	}
	return f, err
}

func createPredicate(spec PredicateSpec, args []any) (p Predicate, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("creating the predicate panicked: %v", r)
		}
	}()
	p, err = spec.Create(args)
	if err == nil && p == nil {
		err = errors.New("the predicate spec returned no predicate")
	}
	return p, err
}

func closeAll(cs []filters.Closer) {
	for _, c := range cs {
		_ = c.Close()
	}
}

func (b *builder) isPredicateName(name string) bool {
	if isMatcherPredicate(name) {
		return true
	}
	_, ok := b.o.Predicates[name]
	return ok
}

// split parses a network backend or load balancer endpoint address into
// scheme and host:port (eskip.ParseBackendAddress), the first step of
// building a route. An address that holds its host:port verbatim (the
// usual one: lower-case, with a port) gives a host that points into it
// and is not remembered: with a backend per route, looking addresses up
// in a map of 100,000 cost more than parsing them. The others (a default
// port added, upper case, errors) are remembered, so that the routes of
// one such address share one result.
func (b *builder) split(addr string) backendSplit {
	a, err := eskip.ParseBackendAddress(addr)
	if err == nil {
		if i := strings.Index(addr, a.Host); i >= 0 {
			a.Host = addr[i : i+len(a.Host)]
			return backendSplit{a, nil}
		}
	}
	if s, ok := b.backends[addr]; ok {
		return s
	}
	s := backendSplit{a, err}
	b.backends[addr] = s
	return s
}

func stringArgs(p *eskip.Predicate, n int) ([]string, error) {
	if len(p.Args) != n {
		return nil, fmt.Errorf("%s: want %d string arguments, got %d", p.Name, n, len(p.Args))
	}
	out := make([]string, n)
	for i, a := range p.Args {
		s, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("%s: argument %d is %s, want a string", p.Name, i+1, typeName(a))
		}
		out[i] = s
	}
	return out, nil
}

// typeName names the type of an argument as eskip users know it.
func typeName(a any) string {
	switch a.(type) {
	case nil:
		return "nil"
	case string:
		return "a string"
	case float64, int, int64:
		return "a number"
	}
	return fmt.Sprintf("%T", a)
}

func number(a any) (float64, bool) {
	switch v := a.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// tiny maps: insertion sort
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// predicateText renders a predicate call for explanations.
func predicateText(p *eskip.Predicate) string {
	var b strings.Builder
	b.WriteString(p.Name)
	b.WriteByte('(')
	for i, a := range p.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		if s, ok := a.(string); ok {
			fmt.Fprintf(&b, "%q", s)
		} else {
			fmt.Fprint(&b, a)
		}
	}
	b.WriteByte(')')
	return b.String()
}
