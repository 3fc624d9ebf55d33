package config

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
)

const etcdHintLine = "To print skiff etcd usage, enter: skiff etcd -help\n"

var etcdSeed = map[string]string{
	"hello": `Path("/hello") -> inlineContent("hi") -> <shunt>`,
	"api":   `PathSubtree("/api") -> "https://api.example.org"`,
}

// TestEtcdCommands runs skiff etcd against an etcd kept in memory: exit
// statuses, the exact messages, what is printed and what is written.
func TestEtcdCommands(t *testing.T) {
	file := writeFile(t, "routes.eskip", `hello: Path("/hello") -> inlineContent("hello") -> <shunt>;
new: Path("/new") -> <shunt>;
`)
	badFile := writeFile(t, "bad.eskip", "a: * -> <shunt>;\nb: Path(\"/b\") -> foo( -> <shunt>;\n")
	checkFile := writeFile(t, "check.eskip", "a: * -> \"\";\nb: * -> <shunt>;\nb: * -> <shunt>;\nb: * -> <shunt>;\n")
	badFilters := writeFile(t, "bad.filters", "\n\n  a() ->\n  b(\n")
	prependFile := writeFile(t, "p.filters", "  first()\n")

	cases := []struct {
		name   string
		args   []string
		stdin  string // piped when not empty
		seed   map[string]string
		dial   error // of making the client
		fail   error // of every operation
		code   int
		stdout string // exact
		stderr string // exact
		kv     map[string]string
	}{
		{name: "no command", code: 2, stderr: "skiff etcd: missing command\n" + etcdHintLine},
		{name: "flag first", args: []string{"-etcd-urls", "http://h:1", "print"}, code: 2,
			stderr: "skiff etcd: missing command\n" + etcdHintLine},
		{name: "unknown command", args: []string{"list"}, code: 2, stderr: "skiff etcd: invalid command\n" + etcdHintLine},
		{name: "version is skiff's", args: []string{"version"}, code: 2, stderr: "skiff etcd: invalid command\n" + etcdHintLine},
		{name: "unknown flag", args: []string{"print", "-innkeeper-url", "x"}, code: 2,
			stderr: "skiff etcd print: flag provided but not defined: -innkeeper-url\n" + etcdHintLine},
		{name: "ids for check", args: []string{"check", "-ids", "a"}, code: 2,
			stderr: "skiff etcd check: invalid input type\n" + etcdHintLine},
		{name: "two inputs", args: []string{"print", "-routes", "* -> <shunt>", file}, code: 2,
			stderr: "skiff etcd print: too many inputs\n" + etcdHintLine},
		{name: "no input", args: []string{"reset"}, code: 2, stderr: "skiff etcd reset: missing input\n" + etcdHintLine},
		{name: "two files", args: []string{"upsert", file, file}, code: 2,
			stderr: "skiff etcd upsert: invalid number of args\n" + etcdHintLine},
		{name: "bad indent", args: []string{"print", "-pretty", "-indent", "--"}, code: 2,
			stderr: "skiff etcd print: invalid indent. Must match regexp \\s\n" + etcdHintLine},
		{name: "etcd fails", args: []string{"check"}, fail: errors.New("etcd at http://127.0.0.1:2379: reading /skipper/routes/: context deadline exceeded"), code: 1,
			stderr: "skiff etcd check: etcd at http://127.0.0.1:2379: reading /skipper/routes/: context deadline exceeded\n"},
		{name: "bad options", args: []string{"print"}, dial: etcdUsageError{errors.New("etcd: no endpoint given")}, code: 2,
			stderr: "skiff etcd print: etcd: no endpoint given\n" + etcdHintLine},
		{name: "upsert fails", args: []string{"upsert", "-routes", "a: * -> <shunt>; a: * -> <shunt>"}, code: 1,
			stderr: "skiff etcd upsert: etcd: route id \"a\" given twice\n", kv: etcdSeed},

		{name: "check etcd", args: []string{"check"}},
		{name: "check bad value", args: []string{"check"}, seed: map[string]string{"bad": "* -> foo( -> <shunt>"}, code: 1,
			stderr: "/skipper/routes/bad:1:11: route \"bad\": expected an argument (number, string or regexp) after \"(\", found \"->\"\n" +
				"skiff etcd check: one or more invalid route expressions\n"},
		{name: "check file", args: []string{"check", file}},
		{name: "check syntax", args: []string{"check", badFile}, code: 1,
			stderr: badFile + ":2:23: route \"b\": expected an argument (number, string or regexp) after \"(\", found \"->\"\n" +
				"    b: Path(\"/b\") -> foo( -> <shunt>;\n" +
				"                          ^\n" +
				"skiff etcd check: one or more invalid route expressions\n"},
		{name: "check rules", args: []string{"check", checkFile}, code: 1,
			stderr: "skiff etcd check: route has empty backend: a\nskiff etcd check: repeating route with id b\n"},
		{name: "check stdin", args: []string{"check"}, stdin: "r: * -> ", code: 1,
			stderr: "<stdin>:1:9: route \"r\": expected a filter or a backend after \"->\", found end of input\n" +
				"    r: * -> \n            ^\n" +
				"skiff etcd check: one or more invalid route expressions\n"},
		{name: "check inline", args: []string{"check", "-routes", "a: *; b: * -> <shunt>"}, code: 1,
			stderr: "-routes:1:5: route \"a\": expected \"->\" or \"&&\" after \"*\", found \";\"\n" +
				"    a: *; b: * -> <shunt>\n        ^\n" +
				"skiff etcd check: one or more invalid route expressions\n"},
		{name: "check missing file", args: []string{"check", "nonexistent.eskip"}, code: 1,
			stderr: "skiff etcd check: reading routes: open nonexistent.eskip: no such file or directory\n"},

		{name: "print", args: []string{"print"},
			stdout: "api: PathSubtree(\"/api\") -> \"https://api.example.org\";\nhello: Path(\"/hello\") -> inlineContent(\"hi\") -> <shunt>;\n"},
		{name: "print pretty", args: []string{"print", "-pretty", "-indent", "\t"},
			stdout: "api: PathSubtree(\"/api\")\n\t-> \"https://api.example.org\";\n\nhello: Path(\"/hello\")\n\t-> inlineContent(\"hi\")\n\t-> <shunt>;\n"},
		{name: "print json", args: []string{"print", "-json"}, seed: map[string]string{"html": `* -> setPath("/<a>&") -> <shunt>`},
			stdout: `[{"id":"api","backend":{"type":"network","address":"https://api.example.org"},"predicates":[{"name":"PathSubtree","args":["/api"]}]},` +
				`{"id":"hello","backend":{"type":"shunt"},"predicates":[{"name":"Path","args":["/hello"]}],"filters":[{"name":"inlineContent","args":["hi"]}]},` +
				`{"id":"html","backend":{"type":"shunt"},"filters":[{"name":"setPath","args":["/<a>&"]}]}]` + "\n"},
		{name: "print empty json", args: []string{"print", "-json", "-routes", "// none"}, stdout: "[]\n"},
		{name: "print with a bad value", args: []string{"print"}, seed: map[string]string{"bad": "* -> ", "hello": "* -> <shunt>"}, code: 1,
			stdout: "api: PathSubtree(\"/api\") -> \"https://api.example.org\";\nhello: * -> <shunt>;\n",
			stderr: "/skipper/routes/bad:1:6: route \"bad\": expected a filter or a backend after \"->\", found end of input\n" +
				"skiff etcd print: one or more invalid route expressions\n"},
		{name: "dash without stdin", args: []string{"print", "-json", "-"}, stdout: "[]\n"},
		{name: "print lone route", args: []string{"print", "-"}, stdin: "* -> <shunt>", stdout: "* -> <shunt>\n"},

		{name: "upsert", args: []string{"upsert", file},
			kv: map[string]string{"hello": `Path("/hello") -> inlineContent("hello") -> <shunt>`, "new": `Path("/new") -> <shunt>`, "api": etcdSeed["api"]}},
		{name: "upsert syntax error writes nothing", args: []string{"upsert", badFile}, code: 1,
			stderr: badFile + ":2:23: route \"b\": expected an argument (number, string or regexp) after \"(\", found \"->\"\n" +
				"    b: Path(\"/b\") -> foo( -> <shunt>;\n" +
				"                          ^\n" +
				"skiff etcd upsert: one or more invalid route expressions\n",
			kv: etcdSeed},
		{name: "reset", args: []string{"reset", file}, stderr: "2 routes written, 1 deleted\n",
			kv: map[string]string{"hello": `Path("/hello") -> inlineContent("hello") -> <shunt>`, "new": `Path("/new") -> <shunt>`}},
		{name: "reset unchanged", args: []string{"reset", "-routes", "hello: Path(`/hello`) -> inlineContent(`hi`) -> <shunt>"},
			stderr: "0 routes written, 1 deleted\n", kv: map[string]string{"hello": etcdSeed["hello"]}},
		{name: "delete ids", args: []string{"delete", "-ids", "api, missing"}, kv: map[string]string{"hello": etcdSeed["hello"]}},
		{name: "delete stdin", args: []string{"delete"}, stdin: "hello: * -> <shunt>;", kv: map[string]string{"api": etcdSeed["api"]}},
		{name: "delete lone route", args: []string{"delete", "-routes", "* -> <shunt>"}, code: 1,
			stderr: "skiff etcd delete: a route without id names no key to delete; give it an id or use -ids\n", kv: etcdSeed},

		{name: "patch", args: []string{"patch", "-append", "b() -> c()", "-prepend", "a()", "-prepend-file", prependFile},
			stdout: "api: PathSubtree(\"/api\") -> a() -> first() -> b() -> c() -> \"https://api.example.org\";\n" +
				"hello: Path(\"/hello\") -> a() -> first() -> inlineContent(\"hi\") -> b() -> c() -> <shunt>;\n",
			kv: etcdSeed},
		{name: "patch lone route", args: []string{"patch", "-append", "x()", "-routes", "* -> <shunt>"}, stdout: "* -> x() -> <shunt>\n"},
		{name: "patch bad filters", args: []string{"patch", "-append", "a() -> b("}, code: 1,
			stderr: "-append:1:10: expected an argument (number, string or regexp) after \"(\", found end of input\n" +
				"    a() -> b(\n             ^\n" +
				"skiff etcd patch: invalid filters in -append\n"},
		{name: "patch bad filter file", args: []string{"patch", "-prepend-file", badFilters}, code: 1,
			stderr: badFilters + ":4:5: expected an argument (number, string or regexp) after \"(\", found end of input\n" +
				"      b(\n        ^\n" +
				"skiff etcd patch: invalid filters in " + badFilters + "\n"},
		{name: "patch bad value", args: []string{"patch", "-append", "x()"}, seed: map[string]string{"bad": "* ->"}, code: 1,
			stderr: "/skipper/routes/bad:1:5: route \"bad\": expected a filter or a backend after \"->\", found end of input\n" +
				"skiff etcd patch: one or more invalid route expressions\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seed := maps.Clone(etcdSeed)
			maps.Copy(seed, c.seed)
			store := newEtcdFakeStore(seed)
			store.fail = c.fail
			dialed := false
			dial := func(etcd.Options) (etcdStore, error) {
				if c.dial != nil {
					return nil, c.dial
				}
				dialed = true
				return store, nil
			}
			var stdin io.Reader
			if c.stdin != "" {
				stdin = strings.NewReader(c.stdin)
			}
			var stdout, stderr bytes.Buffer
			code := etcdMain(c.args, stdin, &stdout, &stderr, dial)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout.String(), stderr.String())
			}
			if stdout.String() != c.stdout {
				t.Errorf("stdout\n got %q\nwant %q", stdout.String(), c.stdout)
			}
			if stderr.String() != c.stderr {
				t.Errorf("stderr\n got %q\nwant %q", stderr.String(), c.stderr)
			}
			if c.kv != nil && !maps.Equal(store.snapshot(), c.kv) {
				t.Errorf("etcd holds %q, want %q", store.snapshot(), c.kv)
			}
			if store.puts > 0 && c.kv == nil {
				t.Errorf("%d keys written", store.puts)
			}
			if dialed && !store.closed {
				t.Errorf("etcd connection not closed")
			}
		})
	}
}

func TestEtcdHelp(t *testing.T) {
	for _, args := range [][]string{{"-help"}, {"help"}, {"print", "-pretty", "--help"}, {"reset", "-h"}} {
		var stdout, stderr bytes.Buffer
		code := etcdMain(args, nil, &stdout, &stderr, nil)
		if code != 0 || !strings.HasPrefix(stdout.String(), "Usage: skiff etcd <command>") || stderr.Len() > 0 {
			t.Errorf("%q: exit %d\nstdout: %s\nstderr: %s", args, code, stdout.String(), stderr.String())
		}
		for _, f := range []string{"-etcd-urls", "-etcd-prefix", "-etcd-timeout", "-etcd-dial-timeout", "-etcd-insecure",
			"-etcd-username", "-etcd-password", "-etcd-ca-file", "-etcd-cert-file", "-etcd-key-file",
			"-routes", "-ids", "-prepend", "-prepend-file", "-append", "-append-file", "-pretty", "-indent", "-json"} {
			if !regexp.MustCompile(`\n  ` + f + `[ \n]`).MatchString(stdout.String()) {
				t.Errorf("%q: usage does not show %s", args, f)
			}
		}
	}
}
