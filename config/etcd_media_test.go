package config

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// TestEtcdSelectMedia follows eskip's media rules command by command:
// which flags and arguments become the input and the output, and which
// combinations are refused with which of eskip's messages.
func TestEtcdSelectMedia(t *testing.T) {
	const (
		none   = etcdMediumType(0)
		etcd   = etcdMediumEtcd
		file   = etcdMediumFile
		stdin  = etcdMediumStdin
		inline = etcdMediumInline
		ids    = etcdMediumIds
	)
	cases := []struct {
		cmd     string
		args    string // split on spaces
		piped   bool
		in, out etcdMediumType
		err     error
	}{
		// check and print: one input, etcd by default
		{cmd: "check", in: etcd},
		{cmd: "print", args: "-etcd-urls http://h:1", in: etcd},
		{cmd: "print", args: "-etcd-prefix /p", in: etcd},
		{cmd: "check", args: "r.eskip", in: file},
		{cmd: "check", args: "-", in: stdin},
		{cmd: "check", piped: true, in: stdin},
		{cmd: "check", args: "-routes *-><shunt>", in: inline},
		{cmd: "check", args: "-routes *-><shunt>", piped: true, in: inline},
		{cmd: "print", args: "-etcd-urls http://h:1", piped: true, in: etcd},
		{cmd: "check", args: "r.eskip", piped: true, in: file},
		{cmd: "check", args: "-etcd-timeout 2s -etcd-username u r.eskip", in: file},
		{cmd: "check", args: "-etcd-urls http://h:1 r.eskip", err: errEtcdTooManyInputs},
		{cmd: "check", args: "-routes *-><shunt> r.eskip", err: errEtcdTooManyInputs},
		{cmd: "check", args: "-ids a", err: errEtcdInvalidInput},
		{cmd: "print", args: "-append f()", err: errEtcdInvalidInput},
		{cmd: "print", args: "-ids a r.eskip", err: errEtcdTooManyInputs},
		{cmd: "print", args: "a.eskip b.eskip", err: errEtcdNumberOfArgs},

		// upsert and reset: one input that is not etcd, etcd the output
		{cmd: "upsert", err: errEtcdMissingInput},
		{cmd: "upsert", args: "r.eskip", in: file, out: etcd},
		{cmd: "reset", args: "-etcd-prefix /p r.eskip", in: file, out: etcd},
		{cmd: "upsert", piped: true, in: stdin, out: etcd},
		{cmd: "upsert", args: "-etcd-urls http://h:1", piped: true, in: stdin, out: etcd},
		{cmd: "upsert", args: "-routes *-><shunt>", piped: true, in: inline, out: etcd},
		{cmd: "upsert", args: "-etcd-urls http://h:1", err: errEtcdMissingInput},
		{cmd: "reset", args: "-ids a", err: errEtcdInvalidInput},
		{cmd: "upsert", args: "-prepend f() r.eskip", err: errEtcdInvalidInput},
		{cmd: "upsert", args: "-routes *-><shunt> r.eskip", err: errEtcdTooManyInputs},
		{cmd: "upsert", args: "-etcd-urls http://h:1 -routes *-><shunt> -ids a r.eskip", err: errEtcdTooManyInputs},

		// delete: as upsert, and -ids
		{cmd: "delete", err: errEtcdMissingInput},
		{cmd: "delete", args: "-ids a,b", in: ids, out: etcd},
		{cmd: "delete", args: "-ids a,b", piped: true, in: ids, out: etcd},
		{cmd: "delete", args: "-ids ,", err: errEtcdMissingInput},
		{cmd: "delete", piped: true, in: stdin, out: etcd},
		{cmd: "delete", args: "r.eskip", in: file, out: etcd},
		{cmd: "delete", args: "-append f() -ids a", err: errEtcdInvalidInput},

		// patch: any patches, one input but ids, etcd by default
		{cmd: "patch", in: etcd},
		{cmd: "patch", args: "-append f() -prepend g() -append-file x", in: etcd},
		{cmd: "patch", args: "-append f() r.eskip", in: file},
		{cmd: "patch", args: "-prepend f()", piped: true, in: stdin},
		{cmd: "patch", args: "-etcd-urls http://h:1 -append f()", piped: true, in: etcd},
		{cmd: "patch", args: "-ids a", err: errEtcdInvalidInput},
		{cmd: "patch", args: "-routes *-><shunt> r.eskip", err: errEtcdTooManyInputs},
	}
	for _, c := range cases {
		name := c.cmd + " " + c.args
		if c.piped {
			name += " <pipe"
		}
		t.Run(name, func(t *testing.T) {
			var cmd etcdCommand
			for _, ec := range etcdCommands() {
				if ec.name == c.cmd {
					cmd = ec
				}
			}
			var args []string
			if c.args != "" {
				args = strings.Split(c.args, " ")
			}
			f, err := parseEtcdCmdFlags(args)
			if err != nil {
				t.Fatal(err)
			}
			media, err := etcdMediaOf(f, c.piped, cmd.etcdIn)
			var a etcdIO
			if err == nil {
				a, err = cmd.media(media)
			}
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("error %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			typ := func(m *etcdMedium) etcdMediumType {
				if m == nil {
					return none
				}
				return m.typ
			}
			if typ(a.in) != c.in || typ(a.out) != c.out {
				t.Fatalf("in %v, out %v; want in %v, out %v", typ(a.in), typ(a.out), c.in, c.out)
			}
		})
	}
}

func TestEtcdStdinPiped(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	regular, err := os.Open(writeFile(t, "r.eskip", "r: * -> <shunt>;"))
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	var nilFile *os.File

	for _, c := range []struct {
		name  string
		stdin io.Reader
		want  bool
	}{
		{"nil", nil, false},
		{"reader", strings.NewReader(""), true},
		{"pipe", r, true},
		{"redirected file", regular, true},
		// A character device, as a terminal is; also what a process
		// started without stdin has.
		{"/dev/null", devNull, false},
		{"nil file", nilFile, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := etcdStdinPiped(c.stdin); got != c.want {
				t.Fatalf("piped %v, want %v", got, c.want)
			}
		})
	}
}
