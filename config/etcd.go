package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

const etcdSummary = `    Checks, prints and writes the routes kept in etcd, one key per route
    under <prefix>/routes/, as skipper's eskip tool does: check, print,
    upsert, reset, delete and patch, with etcd, a file, stdin or -routes
    as the input. See "skiff etcd -help".
`

const etcdHint = "To print skiff etcd usage, enter: skiff etcd -help"

// etcdCommand is one subcommand of skiff etcd.
type etcdCommand struct {
	name string
	// etcdIn tells that the command reads etcd, so that -etcd-urls and
	// -etcd-prefix name its input rather than its output.
	etcdIn bool
	media  func([]*etcdMedium) (etcdIO, error)
	run    func(*etcdRun, etcdIO) error
}

func etcdCommands() []etcdCommand {
	return []etcdCommand{
		{"check", true, etcdSelectRead, (*etcdRun).check},
		{"print", true, etcdSelectRead, (*etcdRun).print},
		{"upsert", false, etcdSelectWrite(false), (*etcdRun).upsert},
		{"reset", false, etcdSelectWrite(false), (*etcdRun).reset},
		{"delete", false, etcdSelectWrite(true), (*etcdRun).delete},
		{"patch", true, etcdSelectPatch, (*etcdRun).patch},
	}
}

// etcdRun is one run of a command: its flags, streams, and the etcd
// connection once a medium needed it.
type etcdRun struct {
	flags          *etcdCmdFlags
	stdin          io.Reader
	stdout, stderr io.Writer
	dial           etcdDialer
	ctx            context.Context
	conn           etcdStore
}

// etcdMain runs skiff etcd with the arguments after "etcd" and returns the
// exit status: 0 on success, 1 when the command failed, 2 when the command
// line is unusable.
func etcdMain(args []string, stdin io.Reader, stdout, stderr io.Writer, dial etcdDialer) int {
	if etcdWantsHelp(args) {
		etcdUsage(stdout)
		return 0
	}
	prefix := "skiff etcd"
	err := func() error {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return errEtcdMissingCommand
		}
		var cmd *etcdCommand
		for _, c := range etcdCommands() {
			if c.name == args[0] {
				cmd = &c
			}
		}
		if cmd == nil {
			return errEtcdInvalidCommand
		}
		prefix += " " + cmd.name
		f, err := parseEtcdCmdFlags(args[1:])
		if err != nil {
			return err
		}
		media, err := etcdMediaOf(f, etcdStdinPiped(stdin), cmd.etcdIn)
		if err != nil {
			return err
		}
		a, err := cmd.media(media)
		if err != nil {
			return err
		}
		r := &etcdRun{flags: f, stdin: stdin, stdout: stdout, stderr: stderr, dial: dial, ctx: context.Background()}
		defer r.close()
		return cmd.run(r, a)
	}()
	if err == nil {
		return 0
	}
	// A joined error reports several findings; each gets its own line.
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintf(stderr, "%s: %s\n", prefix, line)
	}
	if errors.As(err, new(etcdUsageError)) {
		fmt.Fprintln(stderr, etcdHint)
		return 2
	}
	return 1
}

// etcdWantsHelp finds -help anywhere before "--", as eskip does, so that
// help works after a half-typed command line.
func etcdWantsHelp(args []string) bool {
	if len(args) > 0 && args[0] == "help" {
		return true
	}
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-help", "--help", "-h":
			return true
		}
	}
	return false
}

// store returns the etcd client, making it on first use.
func (r *etcdRun) store() (etcdStore, error) {
	if r.conn == nil {
		s, err := r.dial(r.flags.conn)
		if err != nil {
			return nil, err
		}
		r.conn = s
	}
	return r.conn, nil
}

func (r *etcdRun) close() {
	if r.conn != nil {
		r.conn.Close()
	}
}

func etcdUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: skiff etcd <command> [flags] [--] [file]

Checks, prints and writes the routes kept in etcd: one key per route,
<prefix>/routes/<id>, whose value is the route's eskip expression.
skipper's eskip tool on the etcd v3 API.

Commands:
  check   parses the input and fails on an invalid route, a network route
          with an empty backend or a repeated id. Input: etcd (default),
          a file, stdin or -routes.
  print   prints the input's routes (-pretty, -indent, -json); invalid
          etcd values are reported on stderr after the valid routes are
          printed, and the command fails. Input as for check.
  upsert  writes the input's routes to etcd (routes without id get a
          generated one). Input: a file, stdin or -routes.
  reset   makes etcd hold exactly the input's routes: writes the new and
          changed ones, deletes the others, and reports the counts on
          stderr. Input as for upsert.
  delete  deletes the input's route ids from etcd; missing ones are no
          error. Input: a file, stdin, -routes or -ids.
  patch   prints the input's routes with -prepend and -append filters
          added, in the order given; writes nothing. Input as for check.

Media:
  etcd    -etcd-urls and -etcd-prefix; for upsert, reset and delete it is
          the output, named or not
  file    the one positional argument; "-" is stdin
  stdin   read when no file or other input is given and stdin is not a
          terminal
  inline  -routes '<eskip>'; -ids a,b for delete

Exit status: 0 on success, 1 on failure, 2 on a usage error.

Flags:
`)
	fs := newEtcdCmdFlagSet(&etcdCmdFlags{})
	fs.SetOutput(w)
	fs.PrintDefaults()
}
