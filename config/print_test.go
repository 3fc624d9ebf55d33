package config

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestPrint(t *testing.T) {
	doc := "b: Method(\"GET\") && Path(\"/a\") -> setPath(\"/<b>&\") -> <shunt>;\n// comment\na: * -> \"http://x\""
	file := writeFile(t, "r.eskip", doc)
	cases := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string
		stderr string
	}{
		{name: "compact", args: []string{file}, code: 0,
			stdout: "b: Path(\"/a\") && Method(\"GET\") -> setPath(\"/<b>&\") -> <shunt>;\na: * -> \"http://x\";\n"},
		{name: "pretty", args: []string{"-pretty", file}, code: 0,
			stdout: "b: Path(\"/a\") && Method(\"GET\")\n  -> setPath(\"/<b>&\")\n  -> <shunt>;\n\na: *\n  -> \"http://x\";\n"},
		{name: "json", args: []string{"-json", file}, code: 0,
			stdout: `[{"id":"b","backend":{"type":"shunt"},"predicates":[{"name":"Method","args":["GET"]},{"name":"Path","args":["/a"]}],"filters":[{"name":"setPath","args":["/<b>&"]}]},{"id":"a","backend":{"type":"network","address":"http://x"}}]` + "\n"},
		{name: "bare from stdin", args: []string{"-"}, stdin: "Path(`/x`) -> <dynamic>", code: 0,
			stdout: "Path(\"/x\") -> <dynamic>\n"},
		{name: "empty", args: []string{"-"}, stdin: "// nothing", code: 0, stdout: ""},
		{name: "empty json", args: []string{"-json", "-"}, stdin: "", code: 0, stdout: "[]\n"},
		{name: "syntax error", args: []string{"-"}, stdin: "r: * -> ", code: 1,
			stderr: "<stdin>:1:9: route \"r\": expected a filter or a backend after \"->\", found end of input\n"},
		{name: "bare routes from two files", args: []string{"-", file}, stdin: "* -> <shunt>", code: 1,
			stderr: "skiff print: a route without id"},
		{name: "no args", code: 2, stderr: "usage: skiff print"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runPrint(Extensions{}, c.args, strings.NewReader(c.stdin), &stdout, &stderr)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout.String(), stderr.String())
			}
			if c.code == 0 && stdout.String() != c.stdout {
				t.Fatalf("stdout\n got %q\nwant %q", stdout.String(), c.stdout)
			}
			if !strings.Contains(stderr.String(), c.stderr) {
				t.Fatalf("stderr %q does not contain %q", stderr.String(), c.stderr)
			}
		})
	}
}

func TestPrintOutputParsesBack(t *testing.T) {
	for _, args := range [][]string{{"../examples/routes.eskip"}, {"-pretty", "../examples/routes.eskip"}} {
		var stdout, stderr bytes.Buffer
		if code := runPrint(Extensions{}, args, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		orig := mustParseFile(t, "../examples/routes.eskip")
		back, err := eskip.Parse(stdout.String())
		if err != nil {
			t.Fatal(err)
		}
		if !eskip.EqLists(orig, back) {
			t.Fatalf("printed routes differ:\n%s", stdout.String())
		}
	}
	var stdout bytes.Buffer
	if code := runPrint(Extensions{}, []string{"-json", "-pretty", "../examples/routes.eskip"}, nil, &stdout, &stdout); code != 0 {
		t.Fatalf("exit %d: %s", code, stdout.String())
	}
	var back []*eskip.Route
	if err := json.Unmarshal(stdout.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !eskip.EqLists(mustParseFile(t, "../examples/routes.eskip"), back) {
		t.Fatal("JSON output differs from the file")
	}
}

func mustParseFile(t *testing.T, name string) []*eskip.Route {
	t.Helper()
	var stderr bytes.Buffer
	_, _, routes, ok := readRoutes("test", name, nil, &stderr)
	if !ok {
		t.Fatal(stderr.String())
	}
	return routes
}
