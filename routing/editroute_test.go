package routing

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestParseRouteEdit(t *testing.T) {
	for _, tc := range []struct {
		rule string
		ok   bool
	}{
		{`/Source[(](.*)[)]/ClientIP($1)/`, true},
		{`#a/b#c#`, true},
		{`/a//`, true},
		{``, false},
		{`/a/b`, false},
		{`/a/b/c/`, false},
		{`/(/x/`, false},
	} {
		_, err := ParseRouteEdit(tc.rule)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err=%v, want ok=%v", tc.rule, err, tc.ok)
		}
	}
}

func mustEdits(t *testing.T, rules ...string) []RouteEdit {
	t.Helper()
	var es []RouteEdit
	for _, r := range rules {
		e, err := ParseRouteEdit(r)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	return es
}

func mustParse(t *testing.T, doc string) []*eskip.Route {
	t.Helper()
	rs, err := eskip.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestRouteEditor(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []string
		in    string
		want  string
		warns int
	}{
		{"predicate", []string{`/Source[(](.*)[)]/ClientIP($1)/`},
			`r: Source("1.2.3.4") && Path("/a") -> <shunt>`,
			`r: Path("/a") && ClientIP("1.2.3.4") -> <shunt>;`, 0},
		{"filter, other separator", []string{`#setPath[(]"/x"[)]#setPath("/y")#`},
			`r: * -> setPath("/x") -> status(200) -> <shunt>`,
			`r: * -> setPath("/y") -> status(200) -> <shunt>;`, 0},
		{"one into two", []string{`/status[(](\d+)[)]/status($1) -> comment("edited")/`},
			`r: * -> status(201) -> <shunt>`,
			`r: * -> status(201) -> comment("edited") -> <shunt>;`, 0},
		{"no match", []string{`/nothing/x/`},
			`r: Foo("a") -> bar() -> <shunt>`,
			`r: Foo("a") -> bar() -> <shunt>;`, 0},
		{"lifted predicates not edited", []string{`/Path/PathSubtree/`},
			`r: Path("/a") -> <shunt>`,
			`r: Path("/a") -> <shunt>;`, 0},
		{"parse failure keeps element", []string{`/status[(]/status((/`},
			`r: * -> status(201) -> <shunt>`,
			`r: * -> status(201) -> <shunt>;`, 1},
		{"rules in order", []string{`/aaa/bbb/`, `/bbb/ccc/`},
			`r: * -> aaa() -> <shunt>; s: * -> <shunt>`,
			"r: * -> ccc() -> <shunt>;\ns: * -> <shunt>;", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			l := logrus.New()
			l.SetOutput(&logs)
			in := mustParse(t, tc.in)
			orig := eskip.String(in...)
			out := NewRouteEditor(mustEdits(t, tc.rules...), l).Do(in)
			if got := eskip.String(out...); strings.TrimSpace(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if eskip.String(in...) != orig {
				t.Error("input routes were modified")
			}
			if n := strings.Count(logs.String(), "does not parse"); n != tc.warns {
				t.Errorf("%d parse warnings, want %d: %s", n, tc.warns, logs.String())
			}
		})
	}
}

func TestRouteCloner(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []string
		in    string
		want  string
	}{
		{"changed route cloned",
			[]string{`/Source[(](.*)[)]/ClientIP($1)/`},
			`a: Source("1.2.3.4") -> <shunt>; b: Path("/b") -> <shunt>`,
			"a: Source(\"1.2.3.4\") -> <shunt>;\nb: Path(\"/b\") -> <shunt>;\nclone_a: ClientIP(\"1.2.3.4\") -> <shunt>;"},
		{"nothing changed",
			[]string{`/nothing/x/`},
			`a: Foo() -> <shunt>`,
			`a: Foo() -> <shunt>;`},
		{"later rule clones clones",
			[]string{`/aaa/bbb/`, `/bbb/ccc/`},
			`a: * -> aaa() -> <shunt>`,
			"a: * -> aaa() -> <shunt>;\nclone_a: * -> bbb() -> <shunt>;\nclone_clone_a: * -> ccc() -> <shunt>;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := mustParse(t, tc.in)
			out := NewRouteCloner(mustEdits(t, tc.rules...), nil).Do(in)
			if got := strings.TrimSpace(eskip.String(out...)); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestRouteEditLocality(t *testing.T) {
	ed := NewRouteEditor(nil, nil)
	if rl, ok := ed.(RouteLocalPreProcessor); !ok || !rl.RouteLocal() {
		t.Error("editor is not route-local")
	}
	if _, ok := NewRouteCloner(nil, nil).(RouteLocalPreProcessor); ok {
		t.Error("cloner claims to be route-local, but it adds ids")
	}
}
