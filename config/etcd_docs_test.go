package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/dataclients/etcd/etcdtest"
)

// TestEtcdDocs runs the transcript in docs/etcd.md's "## skiff etcd"
// section against a real etcd, in order and as written: every
// "$ skiff etcd ..." line must exit 0 and print what the lines after it
// show (stdout, then stderr). routes.eskip is the section's eskip block.
// So the examples stay true.
func TestEtcdDocs(t *testing.T) {
	data, err := os.ReadFile("../docs/etcd.md")
	if err != nil {
		t.Fatal(err)
	}
	routes, steps, err := etcdDocsSection(string(data))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/routes.eskip", []byte(routes), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	endpoints := etcdtest.Start(t).Endpoints()

	for _, s := range steps {
		pipeline, err := etcdShellSplit(s.command)
		if err != nil {
			t.Fatalf("%s: %v", s.command, err)
		}
		var stdin io.Reader
		var stdout, stderr bytes.Buffer
		// The commands run as written, for etcd at the default
		// endpoint; the test's etcd listens elsewhere.
		dial := func(o etcd.Options) (etcdStore, error) {
			if slices.Equal(o.Endpoints, []string{etcdDefaultURLs}) {
				o.Endpoints = endpoints
			}
			return etcdDialerTo(&stderr)(o)
		}
		for i, args := range pipeline {
			if len(args) < 3 || args[0] != "skiff" || args[1] != "etcd" {
				t.Fatalf("%s: not a skiff etcd command: %q", s.command, args)
			}
			stdout.Reset()
			if code := etcdMain(args[2:], stdin, &stdout, &stderr, dial); code != 0 {
				t.Fatalf("%s: command %d exits %d\nstderr: %s", s.command, i+1, code, stderr.String())
			}
			stdin = bytes.NewReader(bytes.Clone(stdout.Bytes()))
		}
		if got := stdout.String() + stderr.String(); got != s.output {
			t.Errorf("%s\nprints\n%s\nthe docs show\n%s", s.command, got, s.output)
		}
	}
}

// etcdDocStep is one command of the docs' transcript and what it prints.
type etcdDocStep struct {
	command, output string
}

// etcdDocsSection finds the "## skiff etcd" section and in it the first
// ```eskip block and the transcript: the lines of the ```console blocks,
// where "$ " starts a command and the lines up to the next command are
// its output.
func etcdDocsSection(doc string) (routes string, steps []etcdDocStep, err error) {
	_, section, ok := strings.Cut(doc, "\n## skiff etcd\n")
	if !ok {
		return "", nil, fmt.Errorf(`no "## skiff etcd" section in docs/etcd.md`)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	var block string // the fence's info string while in a block
	inBlock, haveRoutes := false, false
	for line := range strings.Lines(section) {
		switch {
		case !inBlock && strings.HasPrefix(line, "```"):
			inBlock, block = true, strings.TrimSpace(strings.TrimPrefix(line, "```"))
		case inBlock && strings.TrimSpace(line) == "```":
			inBlock = false
			haveRoutes = haveRoutes || block == "eskip"
		case inBlock && block == "eskip" && !haveRoutes:
			routes += line
		case inBlock && block == "console" && strings.HasPrefix(line, "$ "):
			steps = append(steps, etcdDocStep{command: strings.TrimSpace(line[2:])})
		case inBlock && block == "console":
			if len(steps) == 0 {
				return "", nil, fmt.Errorf("output before the first command: %q", line)
			}
			steps[len(steps)-1].output += line
		}
	}
	if routes == "" || len(steps) == 0 {
		return "", nil, fmt.Errorf("want an eskip block (routes.eskip) and a console block of commands in the section, found %d commands", len(steps))
	}
	return routes, steps, nil
}

// etcdShellSplit splits a command line as a POSIX shell would for the
// docs' needs: words, 'single' and "double" quotes (\ escapes " and \
// inside), and | between commands.
func etcdShellSplit(line string) ([][]string, error) {
	var cmds [][]string
	var args []string
	var word strings.Builder
	inWord := false
	end := func() {
		if inWord {
			args = append(args, word.String())
			word.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		switch c := line[i]; c {
		case ' ', '\t':
			end()
		case '|':
			end()
			cmds, args = append(cmds, args), nil
		case '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' at %d", i)
			}
			word.WriteString(line[i+1 : i+1+j])
			inWord, i = true, i+1+j
		case '"':
			inWord = true
			for i++; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\') {
					i++
				}
				word.WriteByte(line[i])
			}
			if i == len(line) {
				return nil, fmt.Errorf(`unterminated " in %q`, line)
			}
		default:
			inWord = true
			word.WriteByte(c)
		}
	}
	end()
	return append(cmds, args), nil
}

func TestEtcdShellSplit(t *testing.T) {
	for _, c := range []struct {
		line string
		want [][]string
	}{
		{"skiff etcd print", [][]string{{"skiff", "etcd", "print"}}},
		{"  a   b ", [][]string{{"a", "b"}}},
		{`a -append 'x("y") -> z()' f`, [][]string{{"a", "-append", `x("y") -> z()`, "f"}}},
		{`a "b \"c\" \\ d"e`, [][]string{{"a", `b "c" \ de`}}},
		{"a|b c | d", [][]string{{"a"}, {"b", "c"}, {"d"}}},
		{"a '' b", [][]string{{"a", "", "b"}}},
	} {
		got, err := etcdShellSplit(c.line)
		if err != nil || !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("%s: %q, %v; want %q", c.line, got, err, c.want)
		}
	}
	for _, bad := range []string{"a 'b", `a "b`} {
		if _, err := etcdShellSplit(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
