package config

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/skiff-proxy/skiff/eskip"
)

const printSummary = `    Prints the routes of eskip files ("-" reads stdin) in canonical form:
    -pretty puts each filter and the backend on its own line, -json prints
    the JSON used by the admin API (indented with -pretty). Exit 1 on errors.
`

func runPrint(_ Extensions, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("skiff print", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pretty := fs.Bool("pretty", false, "one filter per line, blank line between routes")
	asJSON := fs.Bool("json", false, "print JSON instead of eskip")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: skiff print [-pretty] [-json] FILE...\n%s", printSummary)
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
	var all []*eskip.Route
	failed := false
	for _, name := range fs.Args() {
		_, _, routes, ok := readRoutes("print", name, stdin, stderr)
		if !ok {
			failed = true
			continue
		}
		all = append(all, routes...)
	}
	if failed {
		return 1
	}
	if *asJSON {
		if err := eskip.FprintJSON(stdout, eskip.PrettyPrintInfo{Pretty: *pretty, IndentStr: "  "}, all...); err != nil {
			fmt.Fprintf(stderr, "skiff print: %v\n", err)
			return 1
		}
		return 0
	}
	err := eskip.Fprint(stdout, eskip.PrettyPrintInfo{Pretty: *pretty, IndentStr: "  "}, all...)
	if errors.Is(err, eskip.ErrMissingId) {
		fmt.Fprintln(stderr, "skiff print: a route without id can only be printed alone; give every route an id")
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "skiff print: %v\n", err)
		return 1
	}
	return 0
}
