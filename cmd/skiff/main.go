package main

import (
	"fmt"
	"io"
	"os"
)

// command is one subcommand: it gets the arguments after its name and
// returns the process exit code.
type command struct {
	name    string
	summary string // a few lines for skiff -help
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"check", checkSummary, runCheck},
		{"print", printSummary, runPrint},
		{"explain", explainSummary, runExplain},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-help", "--help", "-h":
			usage(stdout)
			return 0
		}
		for _, c := range commands() {
			if args[0] == c.name {
				return c.run(args[1:], stdin, stdout, stderr)
			}
		}
	}
	return runServe(args, stdin, stdout, stderr)
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
