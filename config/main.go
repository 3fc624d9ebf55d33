package config

import (
	"fmt"
	"io"
	"os"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/routing"
)

// Extensions are what a custom binary adds to skiff's built-ins. They
// apply to serving and to check and explain alike.
type Extensions struct {
	// Filters are registered after the built-ins (a spec with a
	// built-in's name replaces it); RegisterFilters, when set, runs last.
	Filters         []filters.Spec
	RegisterFilters func(filters.Registry)
	// Predicates are registered after the built-in predicates.
	Predicates []routing.PredicateSpec
	// DataClients are route sources next to -routes-file and
	// -inline-routes. check and explain read only the files they are
	// given.
	DataClients []dataclients.DataClient
	// PreProcessors and PostProcessors run on every route set.
	PreProcessors  []routing.PreProcessor
	PostProcessors []routing.PostProcessor
}

// apply adds the extensions to o.
func (e Extensions) apply(o *skiff.Options) {
	o.CustomFilters = append(o.CustomFilters, e.Filters...)
	o.RegisterFilters = e.RegisterFilters
	o.CustomPredicates = append(o.CustomPredicates, e.Predicates...)
	o.CustomDataClients = append(o.CustomDataClients, e.DataClients...)
	o.CustomRoutingPreProcessors = append(o.CustomRoutingPreProcessors, e.PreProcessors...)
	o.CustomRoutingPostProcessors = append(o.CustomRoutingPostProcessors, e.PostProcessors...)
}

// command is one subcommand: it gets the arguments after its name and
// returns the process exit code.
type command struct {
	name    string
	summary string // a few lines for skiff -help
	run     func(e Extensions, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"check", checkSummary, runCheck},
		{"print", printSummary, runPrint},
		{"explain", explainSummary, runExplain},
		{"etcd", etcdSummary, runEtcd},
		{"nats", natsSummary, runNATS},
	}
}

// Main runs the command line of os.Args with the standard streams and
// returns the exit code: 0 after a clean shutdown or a passing command, 1
// for failures, 2 for unusable flags or configuration.
func Main(e Extensions) int {
	return Run(e, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// Run is Main with the arguments (without the program name) and the
// streams given.
func Run(e Extensions, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-help", "--help", "-h":
			usage(stdout)
			return 0
		}
		for _, c := range commands() {
			if args[0] == c.name {
				return c.run(e, args[1:], stdin, stdout, stderr)
			}
		}
	}
	return runServe(e, args, stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `skiff is an HTTP reverse proxy configured by eskip routes.

Usage:
  skiff [flags]              serve; see "skiff -help-flags" for every flag
`)
	fmt.Fprint(w, serveSummary)
	for _, c := range commands() {
		fmt.Fprintf(w, "\n  skiff %s\n%s", c.name, c.summary)
	}
}
