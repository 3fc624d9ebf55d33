package config

import (
	"errors"
	"flag"
	"io"
	"regexp"
	"slices"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
)

// etcdDefaultURLs is where skiff etcd finds etcd when not told: the
// local member's client port.
const etcdDefaultURLs = "http://127.0.0.1:2379"

// etcdPatch is one -prepend, -append, -prepend-file or -append-file, kept
// in command-line order so that several of them apply in the order given.
type etcdPatch struct {
	prepend bool
	file    bool
	text    string // the filter chain, or the file name when file is set
}

// etcdCmdFlags are the parsed flags of one skiff etcd command.
type etcdCmdFlags struct {
	conn    etcd.Options
	etcdSet bool   // -etcd-urls or -etcd-prefix given: etcd is named as a medium
	routes  string // -routes
	ids     []string
	patches []etcdPatch
	pretty  bool
	indent  string
	json    bool
	args    []string // positional arguments
}

// patchFlag records one kind of patch flag into the shared ordered list.
type patchFlag struct {
	list          *[]etcdPatch
	prepend, file bool
}

func (p patchFlag) String() string { return "" }

func (p patchFlag) Set(s string) error {
	*p.list = append(*p.list, etcdPatch{prepend: p.prepend, file: p.file, text: s})
	return nil
}

// etcdUsageError is a command line that cannot run as given; it exits 2 with
// a hint where to read the usage.
type etcdUsageError struct{ err error }

func (u etcdUsageError) Error() string { return u.err.Error() }
func (u etcdUsageError) Unwrap() error { return u.err }

// Skipper's eskip messages, kept word for word: scripts grep for them.
var (
	errEtcdMissingCommand = etcdUsageError{errors.New("missing command")}
	errEtcdInvalidCommand = etcdUsageError{errors.New("invalid command")}
	errEtcdTooManyInputs  = etcdUsageError{errors.New("too many inputs")}
	errEtcdInvalidInput   = etcdUsageError{errors.New("invalid input type")}
	errEtcdMissingInput   = etcdUsageError{errors.New("missing input")}
	errEtcdNumberOfArgs   = etcdUsageError{errors.New("invalid number of args")}
	errEtcdInvalidIndent  = etcdUsageError{errors.New(`invalid indent. Must match regexp \s`)}
	errEtcdInvalidRoutes  = errors.New("one or more invalid route expressions")
	errEtcdEmbedded       = etcdUsageError{errors.New(`-etcd-urls embedded runs etcd inside a skiff server; to reach it, give the client URL that server logs ("embedded etcd serving at ...")`)}
	etcdIndentPattern     = regexp.MustCompile(`^\s*$`)
)

// newEtcdCmdFlagSet defines every flag of skiff etcd on one set, as eskip
// does: a flag that does not fit the command is a medium of the wrong type
// (an error that names it), not an unknown flag.
func newEtcdCmdFlagSet(f *etcdCmdFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("skiff etcd", flag.ContinueOnError)
	// Parse errors are returned and printed by the caller with the
	// command's prefix, not by the flag package.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	// The server's connection flags, so that names, defaults and
	// meanings cannot drift apart; 0 is "no limit" for a duration, as
	// for the server, which etcd.Options spells negative.
	etcdFlags(fs, &f.conn, func(p *time.Duration, name string, def time.Duration, usage string) {
		*p = def
		fs.Var(offDuration{p}, name, usage+" (0: none)")
	})
	// skiff etcd has a default endpoint and no embedded server.
	fs.Lookup("etcd-urls").Usage = "comma-separated etcd endpoints, http:// or https:// (default " + etcdDefaultURLs + ")"
	// eskip's name for -etcd-insecure, so its scripts keep working.
	fs.BoolVar(&f.conn.Insecure, "insecure", false, "same as -etcd-insecure (eskip's name)")
	fs.StringVar(&f.routes, "routes", "", "input: routes in eskip format")
	fs.Var(listFlag{&f.ids, true}, "ids", "input of delete: comma-separated route ids")
	fs.Var(patchFlag{&f.patches, true, false}, "prepend", "patch: filters to put before each route's filters (repeatable)")
	fs.Var(patchFlag{&f.patches, true, true}, "prepend-file", "patch: file of filters to put before each route's filters (repeatable)")
	fs.Var(patchFlag{&f.patches, false, false}, "append", "patch: filters to put after each route's filters (repeatable)")
	fs.Var(patchFlag{&f.patches, false, true}, "append-file", "patch: file of filters to put after each route's filters (repeatable)")
	fs.BoolVar(&f.pretty, "pretty", false, "print: one filter and the backend per line")
	fs.StringVar(&f.indent, "indent", "  ", "print: indent of -pretty, white space only")
	fs.BoolVar(&f.json, "json", false, "print: JSON instead of eskip (indented with -pretty)")
	return fs
}

// parseEtcdCmdFlags parses the arguments after the command name.
func parseEtcdCmdFlags(args []string) (*etcdCmdFlags, error) {
	f := &etcdCmdFlags{}
	fs := newEtcdCmdFlagSet(f)
	if err := fs.Parse(args); err != nil {
		return nil, etcdUsageError{err}
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	f.etcdSet = set["etcd-urls"] || set["etcd-prefix"]
	f.args = fs.Args()

	if len(f.conn.Endpoints) == 0 {
		f.conn.Endpoints = []string{etcdDefaultURLs}
	}
	if slices.Contains(f.conn.Endpoints, "embedded") {
		return nil, errEtcdEmbedded
	}

	if f.pretty && !etcdIndentPattern.MatchString(f.indent) {
		return nil, errEtcdInvalidIndent
	}
	return f, nil
}
