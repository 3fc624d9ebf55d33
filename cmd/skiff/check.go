package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/skiff-proxy/skiff/eskip"
)

const checkSummary = `    Checks eskip files ("-" reads stdin): syntax, the built-in predicates
    (Path, Host, PathRegexp, Method, Header, HeaderRegexp, PathSubtree,
    Weight), regexps, backend addresses and load balancer settings. Prints
    every error as file:line:col with the source line; exit 1 on errors.
`

// knownLBAlgorithms are the algorithm names the load balancer accepts.
var knownLBAlgorithms = map[string]bool{
	"roundRobin": true, "random": true, "consistentHash": true,
	"powerOfRandomNChoices": true, "weightedRoundRobin": true, "leastRequests": true,
}

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("skiff check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: skiff check FILE...\n%s", checkSummary)
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
	status := 0
	for _, name := range fs.Args() {
		source, data, err := readInput(name, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "skiff check: %v\n", err)
			status = 1
			continue
		}
		routes, err := eskip.ParseDocument(source, data)
		if err == nil {
			if errs := checkRoutes(routes); len(errs) > 0 {
				err = errs
			}
		}
		if err != nil {
			fmt.Fprint(stderr, eskip.Render(err, data))
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "%s: ok, %d routes\n", source, len(routes))
	}
	return status
}

// readInput reads a named file, or stdin for "-".
func readInput(name string, stdin io.Reader) (source string, data []byte, err error) {
	if name == "-" {
		data, err = io.ReadAll(stdin)
		if err != nil {
			return "<stdin>", nil, fmt.Errorf("reading stdin: %w", err)
		}
		return "<stdin>", data, nil
	}
	data, err = os.ReadFile(name)
	if err != nil {
		return name, nil, fmt.Errorf("reading routes: %w", err)
	}
	return name, data, nil
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

	switch r.BackendType {
	case eskip.NetworkBackend:
		if r.Backend != "" {
			u, err := url.Parse(r.Backend)
			if err != nil {
				msgs = append(msgs, fmt.Sprintf("invalid backend address: %v", err))
			} else if u.Scheme == "" || u.Host == "" {
				msgs = append(msgs, fmt.Sprintf("invalid backend address %q: scheme and host are required", r.Backend))
			}
		}
	case eskip.LBBackend:
		if r.LBAlgorithm != "" && !knownLBAlgorithms[r.LBAlgorithm] {
			msgs = append(msgs, fmt.Sprintf("unknown load balancing algorithm %q (known: %s)", r.LBAlgorithm, lbAlgorithmList()))
		}
		for _, ep := range r.LBEndpoints {
			if u, err := url.Parse(ep.Address); err != nil || u.Host == "" {
				msgs = append(msgs, fmt.Sprintf("invalid endpoint address %q: scheme and host are required", ep.Address))
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
	return strings.Join([]string{"roundRobin", "random", "consistentHash", "powerOfRandomNChoices", "weightedRoundRobin", "leastRequests"}, ", ")
}
