package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

const explainSummary = `    Shows which route a request takes and why: skiff explain -routes-file
    FILE [-H 'Name: value']... METHOD URL prints the winning route and, for
    every other candidate, why it lost: the predicate that failed, another
    host, or the rule by which the winner ranks first (path, weight, id).
    Routes are built as the server would with the same route flags, as
    skiff check does: a route the server would drop is listed as invalid,
    with why. Filters are not run.
`

// stringList is a flag that may be repeated and takes comma-separated
// values.
type stringList struct {
	vals  *[]string
	comma bool
}

func (l stringList) String() string {
	if l.vals == nil {
		return ""
	}
	return strings.Join(*l.vals, ",")
}

func (l stringList) Set(v string) error {
	if !l.comma {
		*l.vals = append(*l.vals, v)
		return nil
	}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l.vals = append(*l.vals, s)
		}
	}
	return nil
}

func runExplain(e Extensions, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("skiff explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files, headers []string
	fs.Var(stringList{&files, true}, "routes-file", "eskip route files (comma-separated or repeated; \"-\" reads stdin)")
	fs.Var(stringList{&headers, false}, "H", "request header 'Name: value' (repeatable; 'Host: x' sets the host)")
	remote := fs.String("remote-addr", "127.0.0.1:40000", "client address seen by Source/ClientIP predicates")
	var opts skiff.Options
	routeFlags(fs, &opts)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: skiff explain -routes-file FILE [-H 'Name: value']... METHOD URL\n%s\nflags:\n", explainSummary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(files) == 0 || fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	r, err := routing.ExplainRequest(fs.Arg(0), fs.Arg(1), headers, *remote)
	if err != nil {
		fmt.Fprintf(stderr, "skiff explain: %v\n", err)
		return 2
	}

	var defs []*eskip.Route
	for _, name := range files {
		_, _, routes, ok := readRoutes("explain", name, stdin, stderr)
		if !ok {
			return 1
		}
		defs = append(defs, routes...)
	}

	p, err := checkPipeline(e, opts)
	if err != nil {
		fmt.Fprintf(stderr, "skiff explain: %v\n", err)
		return 2
	}
	defer p.Close()
	tbl, done := buildRoutes(defs, p.Build)
	defer done()
	writeExplanation(stdout, tbl, tbl.Explain(r), headers, defs)
	return 0
}

func writeExplanation(w io.Writer, tbl *routing.Table, ex routing.Explanation, headers []string, defs []*eskip.Route) {
	fmt.Fprintf(w, "request  %s %s%s\n", ex.Method, ex.Host, ex.Path)
	for _, h := range headers {
		fmt.Fprintf(w, "         %s\n", h)
	}
	fmt.Fprintln(w)
	if ex.Route == nil {
		fmt.Fprintln(w, "result   no route matches (the proxy answers 404)")
	} else {
		fmt.Fprintf(w, "result   route %s%s\n", ex.Route.Id, position(ex.Route.Def))
		fmt.Fprintf(w, "         %s\n", ex.Route.Def.String())
		if len(ex.Params) > 0 {
			ps := make([]string, len(ex.Params))
			for i, p := range ex.Params {
				ps[i] = p.Name + "=" + p.Value
			}
			fmt.Fprintf(w, "         params: %s\n", strings.Join(ps, " "))
		}
	}

	var tried, rest []routing.ExplainVerdict
	for _, v := range ex.Verdicts {
		if v.Tried {
			tried = append(tried, v)
		} else {
			rest = append(rest, v)
		}
	}
	fmt.Fprintln(w, "\ncandidates, in the order they were tried:")
	if len(tried) == 0 {
		fmt.Fprintln(w, "  (none: no route's path fits the request path)")
	}
	writeVerdicts(w, tried)
	if len(rest) > 0 {
		fmt.Fprintln(w, "\nnot tried (ranked after the winner, or filed under other hosts), and why they lose:")
		writeVerdicts(w, rest)
	}

	if inv := tbl.Invalid(); len(inv) > 0 {
		fmt.Fprintf(w, "\n%s left out as invalid:\n", plural(len(inv), "route"))
		for _, i := range inv {
			fmt.Fprintf(w, "  %s%s: %s: %v\n", i.Id, position(&eskip.Route{Pos: invalidPos(i, defs)}), i.Reason, i.Err)
		}
	}
	fmt.Fprintln(w, "\nnote: filters are not run; routes are built with the route flags given and this binary's filters and predicates; Traffic-style predicates draw new random numbers on every run.")
}

func position(d *eskip.Route) string {
	if d == nil || d.Pos.Line == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s:%d:%d)", d.Pos.Source, d.Pos.Line, d.Pos.Column)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// maxOtherHosts bounds the routes of other hosts listed per candidate
// list: a table of many virtual hosts would bury the answer.
const maxOtherHosts = 10

// writeVerdicts prints verdicts, a header line per candidate list.
func writeVerdicts(w io.Writer, vs []routing.ExplainVerdict) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	list, otherHosts := -1, 0
	flushOthers := func() {
		if otherHosts > maxOtherHosts {
			fmt.Fprintf(tw, "    ... and %s for other hosts\n", plural(otherHosts-maxOtherHosts, "more route"))
		}
	}
	for _, v := range vs {
		if v.List != list {
			flushOthers()
			list, otherHosts = v.List, 0
			key := v.Key
			if key == "" {
				key = "(routes without Path/PathSubtree)"
			}
			fmt.Fprintf(tw, "  %s\n", key)
		}
		mark := "no"
		switch v.Outcome {
		case routing.ExplainWon:
			fmt.Fprintf(tw, "    MATCH  %s\tweight %d\n", v.Route.Id, v.Route.Weight)
			continue
		case routing.ExplainOtherHost:
			if otherHosts++; otherHosts > maxOtherHosts {
				continue
			}
			mark = "host"
		case routing.ExplainOutranked:
			mark = "lost"
		}
		fmt.Fprintf(tw, "    %-5s  %s\tweight %d\t%s\n", mark, v.Route.Id, v.Route.Weight, v.Reason)
	}
	flushOthers()
}
