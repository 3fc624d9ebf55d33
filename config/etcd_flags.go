package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// etcdConn is how to reach etcd: the values of the -etcd-* flags, named
// as the server's flags are.
type etcdConn struct {
	Endpoints          []string
	Prefix             string
	Timeout            time.Duration
	DialTimeout        time.Duration
	Insecure           bool
	Username, Password string
	CAFile             string
	CertFile, KeyFile  string
}

// The defaults when a command talks to etcd without being told where.
const (
	etcdDefaultURLs        = "http://127.0.0.1:2379"
	etcdDefaultPrefix      = "/skipper"
	etcdDefaultTimeout     = time.Second
	etcdDefaultDialTimeout = 5 * time.Second
)

// etcdPatch is one -prepend, -append, -prepend-file or -append-file, kept
// in command-line order so that several of them apply in the order given.
type etcdPatch struct {
	prepend bool
	file    bool
	text    string // the filter chain, or the file name when file is set
}

// etcdCmdFlags are the parsed flags of one skiff etcd command.
type etcdCmdFlags struct {
	conn    etcdConn
	etcdSet bool   // -etcd-urls or -etcd-prefix given: etcd is named as a medium
	routes  string // -routes
	ids     []string
	patches []etcdPatch
	pretty  bool
	indent  string
	json    bool
	args    []string // positional arguments

	urlsRaw, idsRaw string // as given, split after parsing
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

// usageError is a command line that cannot run as given; it exits 2 with
// a hint where to read the usage.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usageErrorf(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

// Skipper's eskip messages, kept word for word: scripts grep for them.
var (
	errEtcdMissingCommand = usageError{errors.New("missing command")}
	errEtcdInvalidCommand = usageError{errors.New("invalid command")}
	errEtcdTooManyInputs  = usageError{errors.New("too many inputs")}
	errEtcdInvalidInput   = usageError{errors.New("invalid input type")}
	errEtcdMissingInput   = usageError{errors.New("missing input")}
	errEtcdNumberOfArgs   = usageError{errors.New("invalid number of args")}
	errEtcdInvalidIndent  = usageError{errors.New(`invalid indent. Must match regexp \s`)}
	errEtcdInvalidRoutes  = errors.New("one or more invalid route expressions")
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
	fs.StringVar(&f.urlsRaw, "etcd-urls", etcdDefaultURLs, "comma-separated etcd endpoints (http:// or https://)")
	fs.StringVar(&f.conn.Prefix, "etcd-prefix", etcdDefaultPrefix, "key prefix; routes are the keys under <prefix>/routes/")
	fs.DurationVar(&f.conn.Timeout, "etcd-timeout", etcdDefaultTimeout, "timeout of each etcd request")
	fs.DurationVar(&f.conn.DialTimeout, "etcd-dial-timeout", etcdDefaultDialTimeout, "timeout of connecting to etcd")
	fs.BoolVar(&f.conn.Insecure, "etcd-insecure", false, "skip TLS certificate verification")
	// eskip's name for -etcd-insecure, so its scripts keep working.
	fs.BoolVar(&f.conn.Insecure, "insecure", false, "same as -etcd-insecure (eskip's name)")
	fs.StringVar(&f.conn.Username, "etcd-username", "", "etcd user")
	fs.StringVar(&f.conn.Password, "etcd-password", "", "password of -etcd-username")
	fs.StringVar(&f.conn.CAFile, "etcd-ca-file", "", "PEM file of the CAs that sign etcd's certificate")
	fs.StringVar(&f.conn.CertFile, "etcd-cert-file", "", "PEM client certificate for etcd")
	fs.StringVar(&f.conn.KeyFile, "etcd-key-file", "", "PEM key of -etcd-cert-file")
	fs.StringVar(&f.routes, "routes", "", "input: routes in eskip format")
	fs.StringVar(&f.idsRaw, "ids", "", "input of delete: comma-separated route ids")
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
		return nil, usageError{err}
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	f.etcdSet = set["etcd-urls"] || set["etcd-prefix"]
	f.args = fs.Args()

	endpoints, err := parseEtcdURLs(f.urlsRaw)
	if err != nil {
		return nil, usageError{err}
	}
	f.conn.Endpoints = endpoints

	if f.idsRaw != "" {
		for id := range strings.SplitSeq(f.idsRaw, ",") {
			if id = strings.TrimSpace(id); id != "" {
				f.ids = append(f.ids, id)
			}
		}
	}
	if f.pretty && !etcdIndentPattern.MatchString(f.indent) {
		return nil, errEtcdInvalidIndent
	}
	return f, nil
}

// parseEtcdURLs splits -etcd-urls and checks that each is an http or
// https URL with a host, so that a typo fails here and not as a dial
// timeout.
func parseEtcdURLs(s string) ([]string, error) {
	var endpoints []string
	for u := range strings.SplitSeq(s, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("invalid -etcd-urls entry %q: want an http:// or https:// URL with a host", u)
		}
		endpoints = append(endpoints, u)
	}
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("invalid -etcd-urls %q: want one or more comma-separated http:// or https:// URLs", s)
	}
	return endpoints, nil
}
