package config

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/pipeline"
	"github.com/skiff-proxy/skiff/routing"
)

const checkSummary = `    Checks eskip files ("-" reads stdin): syntax, the built-in predicates
    (Path, Host, PathRegexp, Method, Header, HeaderRegexp, PathSubtree,
    Weight), regexps, backend addresses and load balancer settings; then
    builds the routes exactly as the server would with the same flags
    (-default-filters-prepend/-append, -edit-route, -clone-route,
    -forward-backend-url, -disabled-filters, -enable-ratelimits, ...) and
    the same filters and predicates (a custom binary's included). Prints
    each finding as file:line:col with the source line. Errors (syntax,
    bad arguments of a filter or predicate, bad backends, a route the
    server would drop) exit 1. An unknown filter or predicate name is a
    warning ("file:line:col: warning: route ...") and alone exits 0.
`

func runCheck(e Extensions, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("skiff check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts skiff.Options
	routeFlags(fs, &opts)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: skiff check [route flags] FILE...\n%s\nflags:\n", checkSummary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	p, err := checkPipeline(e, opts)
	if err != nil {
		fmt.Fprintf(stderr, "skiff check: %v\n", err)
		return 2
	}
	defer p.Close()
	status := 0
	for _, name := range fs.Args() {
		source, data, routes, ok := readRoutes("check", name, stdin, stderr)
		if !ok {
			status = 1
			continue
		}
		errs := checkRoutes(routes)
		built, warnings := buildFindings(routes, errs, p.Build)
		errs = append(errs, built...)
		all := append(append(eskip.ErrorList{}, errs...), warnings...)
		sort.SliceStable(all, func(i, j int) bool { return all[i].Offset < all[j].Offset })
		if len(all) > 0 {
			fmt.Fprint(stderr, eskip.Render(all, data))
		}
		if len(errs) > 0 {
			status = 1
			continue
		}
		if len(warnings) > 0 {
			fmt.Fprintf(stdout, "%s: ok, %d routes, %s\n", source, len(routes), plural(len(warnings), "warning"))
			continue
		}
		fmt.Fprintf(stdout, "%s: ok, %d routes\n", source, len(routes))
	}
	return status
}

// checkPipeline is what check and explain build routes with: the
// server's pipeline for the same route flags and extensions, without its
// route sources (the commands read the files they are given).
func checkPipeline(e Extensions, o skiff.Options) (*pipeline.Pipeline, error) {
	e.apply(&o)
	rc := o.RouteConfig()
	rc.RoutesFiles, rc.InlineRoutes, rc.DataClients = nil, "", nil
	return pipeline.New(rc)
}

// buildRoutes builds defs as the server would. The caller must call the
// returned func when done with the table: tables made by routing.Build do
// not close their filters.
func buildRoutes(defs []*eskip.Route, o routing.BuildOptions) (*routing.Table, func()) {
	tbl := routing.Build(defs, o)
	return tbl, func() {
		for _, r := range tbl.Routes() {
			for _, f := range r.Filters {
				if c, ok := f.Filter.(filters.Closer); ok {
					c.Close()
				}
			}
		}
	}
}

// buildFindings builds routes and turns the invalid ones into findings:
// unknown filter and predicate names are warnings, everything else an
// error. Routes that already have an error in static are left out, so a
// problem is not reported twice.
func buildFindings(routes []*eskip.Route, static eskip.ErrorList, o routing.BuildOptions) (errs, warnings eskip.ErrorList) {
	tbl, done := buildRoutes(routes, o)
	defer done()
	seen := map[string]bool{}
	for _, e := range static {
		seen[e.RouteId] = true
	}
	for _, inv := range tbl.Invalid() {
		if seen[inv.Id] {
			continue
		}
		pos := invalidPos(inv, routes)
		msg := inv.Reason
		if inv.Err != nil {
			msg = inv.Err.Error()
		}
		e := &eskip.ParseError{Source: pos.Source, Line: pos.Line, Column: pos.Column, Offset: pos.Offset}
		switch inv.Reason {
		case routing.ReasonUnknownFilter, routing.ReasonUnknownPredicate:
			// Positioned leaves the route out when RouteId is empty,
			// which lets "warning:" come first.
			e.Msg = fmt.Sprintf("warning: route %q: %s", inv.Id, msg)
			warnings = append(warnings, e)
		default:
			e.RouteId, e.Msg = inv.Id, msg
			errs = append(errs, e)
		}
	}
	return errs, warnings
}

// invalidPos returns where an invalid route is defined. Post-processors
// may not fill in the position; then it is the last definition with the
// id, the one a table keeps.
func invalidPos(inv routing.InvalidRoute, defs []*eskip.Route) eskip.Position {
	if inv.Pos.Line > 0 {
		return inv.Pos
	}
	for i := len(defs) - 1; i >= 0; i-- {
		if defs[i].Id == inv.Id {
			return defs[i].Pos
		}
	}
	return inv.Pos
}

// readRoutes reads and parses one input named on the command line, a file
// or stdin for "-". A failure is written to stderr, a syntax error with its
// position and source line, and reported by ok false.
func readRoutes(cmd, name string, stdin io.Reader, stderr io.Writer) (source string, data []byte, routes []*eskip.Route, ok bool) {
	source = name
	var err error
	if name == "-" {
		source = "<stdin>"
		if data, err = io.ReadAll(stdin); err != nil {
			err = fmt.Errorf("reading stdin: %w", err)
		}
	} else if data, err = os.ReadFile(name); err != nil {
		err = fmt.Errorf("reading routes: %w", err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "skiff %s: %v\n", cmd, err)
		return source, nil, nil, false
	}
	if routes, err = eskip.ParseDocument(source, data); err != nil {
		fmt.Fprint(stderr, eskip.Render(err, data))
		return source, nil, nil, false
	}
	return source, data, routes, true
}

// checkRoutes applies the rules the routing table enforces on the built-in
// predicates and backends, so that check finds routes that would be
// dropped when the table is built. Errors point at the start of the route.
func checkRoutes(routes []*eskip.Route) eskip.ErrorList {
	var errs eskip.ErrorList
	for _, r := range routes {
		for _, msg := range checkRoute(r) {
			errs = append(errs, &eskip.ParseError{
				Source: r.Pos.Source, Line: r.Pos.Line, Column: r.Pos.Column, Offset: r.Pos.Offset,
				RouteId: r.Id, Msg: msg,
			})
		}
	}
	return errs
}

func checkRoute(r *eskip.Route) []string {
	var msgs []string
	rx := func(kind, s string) {
		if _, err := regexp.Compile(s); err != nil {
			msgs = append(msgs, fmt.Sprintf("invalid %s regexp %q: %v", kind, s, err))
		}
	}
	for _, h := range r.HostRegexps {
		rx("Host", h)
	}
	for _, p := range r.PathRegexps {
		rx("PathRegexp", p)
	}
	for name, vs := range r.HeaderRegexps {
		for _, v := range vs {
			rx(fmt.Sprintf("HeaderRegexp(%q)", name), v)
		}
	}

	trees := 0
	if r.Path != "" {
		trees++
		if msg := checkPathPattern("Path", r.Path); msg != "" {
			msgs = append(msgs, msg)
		}
	}
	for _, p := range r.Predicates {
		switch p.Name {
		case "Path", "PathSubtree":
			trees++
			if len(p.Args) != 1 {
				msgs = append(msgs, p.Name+" predicate expects 1 string argument")
			} else if s, ok := p.Args[0].(string); !ok {
				msgs = append(msgs, p.Name+" predicate expects 1 string argument")
			} else if msg := checkPathPattern(p.Name, s); msg != "" {
				msgs = append(msgs, msg)
			}
		case "Weight":
			if len(p.Args) != 1 {
				msgs = append(msgs, "Weight predicate expects 1 number argument")
			} else if _, ok := p.Args[0].(float64); !ok {
				msgs = append(msgs, "Weight predicate expects 1 number argument")
			}
		}
	}
	if trees > 1 {
		msgs = append(msgs, "multiple tree predicates (Path, PathSubtree) in the route: "+r.Id)
	}

	// Backend addresses: the parser the routing table uses, with the
	// table's wording (an empty network backend is accepted there too).
	switch r.BackendType {
	case eskip.NetworkBackend:
		if r.Backend != "" {
			if _, err := eskip.ParseBackendAddress(r.Backend); err != nil {
				msgs = append(msgs, err.Error())
			}
		}
	case eskip.LBBackend:
		if r.LBAlgorithm != "" && !slices.Contains(loadbalancer.Algorithms(), r.LBAlgorithm) {
			msgs = append(msgs, fmt.Sprintf("unknown load balancing algorithm %q (known: %s)", r.LBAlgorithm, lbAlgorithmList()))
		}
		for i, ep := range r.LBEndpoints {
			if _, err := eskip.ParseBackendAddress(ep.Address); err != nil {
				msgs = append(msgs, fmt.Sprintf("load balancer endpoint %d: %v", i+1, err))
			}
		}
	}
	return msgs
}

// checkPathPattern applies the wildcard rules of Path and PathSubtree: a
// free wildcard (*name) only as the last segment, and ':' or '*' only at
// the start of a segment.
func checkPathPattern(pred, p string) string {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "*") && i != len(segs)-1 {
			return fmt.Sprintf("%s(%q): free wildcard param should be last", pred, p)
		}
		if len(s) > 1 && strings.ContainsAny(s[1:], ":*") {
			return fmt.Sprintf("%s(%q): wildcards must start a path segment", pred, p)
		}
	}
	return ""
}

func lbAlgorithmList() string {
	return strings.Join(loadbalancer.Algorithms(), ", ")
}
