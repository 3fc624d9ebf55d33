package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck(t *testing.T) {
	// check starts the rate limit registry's goroutine; it must stop it.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	good := writeFile(t, "good.eskip", "a: Path(\"/a\") -> <shunt>;\nb: * -> \"http://x:80\";\n")
	bad := writeFile(t, "bad.eskip", "a: * -> <shunt>;\nb: Path(\"/x\") => \"http://a\";\nc: * -> #;\n")
	rules := writeFile(t, "rules.eskip", "a: Host(/(/) -> <shunt>;\n"+
		"b: Path(\"/a\") && PathSubtree(\"/b\") -> <shunt>;\n"+
		"c: Weight(\"x\") -> \"not a url\";\n"+
		"d: * -> <fancy, \"http://a\">;\n"+
		"e: Path(\"/a/*rest/b\") -> <shunt>;\n"+
		"f: PathSubtree(\"/a:b\") -> <shunt>;\n"+
		"g: Path(\"/a/:id/*rest\") -> <shunt>;\n"+
		"h: * -> <roundRobin, \"FTP://a\", \"ftp://b:21\">;\n"+
		"i: * -> \"ftp://a\";\n")
	unknown := writeFile(t, "unknown.eskip", "a: Path(\"/a\") -> myFilter() -> <shunt>;\n"+
		"b: Path(\"/b\") && MyPredicate() -> <shunt>;\n"+
		"c: * -> ratelimit(10, \"1m\") -> tee(\"http://shadow:80\") -> consecutiveBreaker(5) -> <shunt>;\n"+
		"d: Path(\"/d\") -> Traffic(0.5) -> <shunt>;\n")
	badArgs := writeFile(t, "args.eskip", "a: Path(\"/a\") -> myFilter() -> <shunt>;\n"+
		"b: * -> setPath() -> <shunt>;\n"+
		"c: Cookie(1) -> <shunt>;\n"+
		"d: * -> consecutiveBreaker(\"x\") -> <shunt>;\n"+
		"e: Host(/(/) -> nope() -> <shunt>;\n"+
		"f: * -> ratelimit(\"x\", \"1m\") -> <shunt>;\n")

	cases := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		stdout     []string
		stderr     []string
		noStderr   bool
		exactLines int // number of stderr lines, 0 = not checked
	}{
		{name: "example file", args: []string{"../examples/routes.eskip"}, code: 0,
			stdout: []string{"routes.eskip: ok, 7 routes"}, noStderr: true},
		{name: "good", args: []string{good}, code: 0, stdout: []string{"good.eskip: ok, 2 routes"}, noStderr: true},
		{name: "stdin", args: []string{"-"}, stdin: "r: * -> <shunt>", code: 0, stdout: []string{"<stdin>: ok, 1 routes"}},
		{name: "syntax errors", args: []string{bad}, code: 1,
			stderr: []string{
				bad + `:2:15: route "b": expected "->" or "&&" after Path("/x"), found "=>"`,
				`    b: Path("/x") => "http://a";`,
				`                  ^`,
				bad + `:3:9: route "c": expected a filter or a backend after "->", found "#"`,
			}, exactLines: 6},
		{name: "rules", args: []string{rules}, code: 1,
			stderr: []string{
				rules + `:1:1: route "a": invalid Host regexp "(": error parsing regexp: missing closing ): ` + "`(`",
				rules + `:2:1: route "b": multiple tree predicates (Path, PathSubtree) in the route: b`,
				rules + `:3:1: route "c": Weight predicate expects 1 number argument`,
				rules + `:3:1: route "c": backend address "not a url": missing scheme (want scheme://host[:port] with scheme http, https or h2c)`,
				rules + `:4:1: route "d": unknown load balancing algorithm "fancy"`,
				rules + `:5:1: route "e": Path("/a/*rest/b"): free wildcard param should be last`,
				rules + `:6:1: route "f": PathSubtree("/a:b"): wildcards must start a path segment`,
				rules + `:8:1: route "h": load balancer endpoint 1: backend address "FTP://a": unsupported scheme "FTP" (want http, https or h2c)`,
				`    h: * -> <roundRobin, "FTP://a", "ftp://b:21">;`,
				rules + `:8:1: route "h": load balancer endpoint 2: backend address "ftp://b:21": unsupported scheme "ftp" (want http, https or h2c)`,
				rules + `:9:1: route "i": backend address "ftp://a": unsupported scheme "ftp" (want http, https or h2c)`,
			}, exactLines: 30},
		{name: "unknown names are warnings", args: []string{"-enable-ratelimits", unknown}, code: 0,
			stdout: []string{"unknown.eskip: ok, 4 routes, 3 warnings"},
			stderr: []string{
				unknown + `:1:1: warning: route "a": unknown filter "myFilter" (#1)`,
				`    a: Path("/a") -> myFilter() -> <shunt>;`,
				unknown + `:2:1: warning: route "b": unknown predicate "MyPredicate" (#1)`,
				unknown + `:4:1: warning: route "d": filter "Traffic" (#1) is only available as a predicate`,
			}, exactLines: 9},
		{name: "rate limit filters need the flag, as in the server", args: []string{unknown}, code: 0,
			stdout: []string{"unknown.eskip: ok, 4 routes, 4 warnings"},
			stderr: []string{unknown + `:3:1: warning: route "c": unknown filter "ratelimit" (#1)`}},
		{name: "bad arguments are errors", args: []string{"-enable-ratelimits", badArgs}, code: 1,
			stderr: []string{
				badArgs + `:1:1: warning: route "a": unknown filter "myFilter" (#1)`,
				badArgs + `:2:1: route "b": filter setPath (#1): setPath: want 1 argument(s), got 0`,
				badArgs + `:3:1: route "c": predicate Cookie (#1): `,
				badArgs + `:4:1: route "d": filter consecutiveBreaker (#1): consecutiveBreaker: argument 1 must be a number`,
				// A route with a static error is not built too: one
				// finding, not a second one for nope().
				badArgs + `:5:1: route "e": invalid Host regexp "("`,
				badArgs + `:6:1: route "f": filter ratelimit (#1)`,
			}, exactLines: 18},
		{name: "several files", args: []string{good, bad}, code: 1,
			stdout: []string{"good.eskip: ok"}, stderr: []string{bad + ":2:15:"}},
		{name: "missing file", args: []string{filepath.Join(t.TempDir(), "nope.eskip")}, code: 1,
			stderr: []string{"skiff check: reading routes:", "no such file"}},
		{name: "no args", args: nil, code: 2, stderr: []string{"usage: skiff check [route flags] FILE..."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runCheck(Extensions{}, c.args, strings.NewReader(c.stdin), &stdout, &stderr)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout.String(), stderr.String())
			}
			for _, s := range c.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout %q does not contain %q", stdout.String(), s)
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr does not contain %q:\n%s", s, stderr.String())
				}
			}
			if c.noStderr && stderr.Len() > 0 {
				t.Errorf("unexpected stderr: %s", stderr.String())
			}
			if c.exactLines > 0 {
				if n := strings.Count(stderr.String(), "\n"); n != c.exactLines {
					t.Errorf("stderr has %d lines, want %d:\n%s", n, c.exactLines, stderr.String())
				}
			}
		})
	}
}
