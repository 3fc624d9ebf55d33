package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

const explainRoutes = `
users: Path("/api/users/:id") && Method("GET") -> setRequestHeader("X-Route", "users") -> "http://127.0.0.1:9001";
beta: Path("/api/users/:id") && Method("GET") && Header("X-Beta", "1") -> "http://127.0.0.1:9003";
api: Host("^api[.]example[.]org$") && PathSubtree("/api") -> "http://127.0.0.1:9004";
other: Host("^other[.]example[.]org$") && PathSubtree("/api") -> "http://127.0.0.1:9005";
vip: PathSubtree("/api") && Cookie("session", /^vip/) -> "http://127.0.0.1:9006";
fallback: * -> status(404) -> <shunt>;
broken: Path("/x") && Nope() -> <shunt>;
unknownFilter: Path("/nf") -> someFilterNobodyKnows() -> <shunt>;
badArgs: Path("/nf") -> setPath() -> <shunt>;
limited: Path("/limited") -> ratelimit(10, "1m") -> <shunt>;
`

func writeRoutes(t *testing.T, text string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "routes.eskip")
	if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestExplainCommand(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	file := writeRoutes(t, explainRoutes)
	tests := []struct {
		name string
		args []string
		code int
		want []string // lines (trimmed) that must appear, in order
		not  []string
	}{
		{
			name: "header predicate fails, next candidate wins",
			args: []string{"-routes-file", file, "-H", "X-Beta: 2", "GET", "http://api.example.org/api/users/7"},
			want: []string{
				"request  GET api.example.org/api/users/7",
				"X-Beta: 2",
				"result   route users (" + file + ":2:1)",
				`Path("/api/users/:id") && Method("GET") -> setRequestHeader("X-Route", "users") -> "http://127.0.0.1:9001"`,
				"params: id=7",
				"/api/users/:id",
				`no     beta   weight 2  Header("X-Beta", "1") failed: header X-Beta is "2"`,
				"MATCH  users  weight 1",
				"not tried (ranked after the winner, or filed under other hosts), and why they lose:",
				"/api/**",
				"lost   api    weight 1  matched, but route users wins (its path /api/users/:id is tried before /api/**, whatever the weights)",
				"(routes without Path/PathSubtree)",
				"lost   fallback  weight 0  matched, but route users wins (it has a path: routes without Path/PathSubtree count only when no route with a path matches)",
				"3 routes left out as invalid:",
				"badArgs (" + file + ":10:1): invalid_filter_params: filter setPath (#1): setPath: want 1 argument(s), got 0: invalid filter parameters",
				"broken (" + file + ":8:1): unknown_predicate: unknown predicate \"Nope\" (#1)",
				"unknownFilter (" + file + ":9:1): unknown_filter: unknown filter \"someFilterNobodyKnows\" (#1)",
			},
		},
		{
			name: "backtracking to the subtree, host index",
			args: []string{"-routes-file", file, "-H", "Cookie: session=x", "POST", "http://api.example.org/api/users/7"},
			want: []string{
				"~result   route api",
				"params: *=/users/7",
				"/api/users/:id",
				`no     beta   weight 2  Method("GET") failed: method is POST`,
				`no     users  weight 1  Method("GET") failed: method is POST`,
				"/api/**",
				"MATCH  api  weight 1",
				"not tried (ranked after the winner, or filed under other hosts), and why they lose:",
				`no     vip    weight 1  Cookie("session", "^vip") failed: predicate did not match`,
				`host   other  weight 1  Host(/^other[.]example[.]org$/) failed: host is "api.example.org" (filed under other hosts, not tried)`,
			},
		},
		{
			name: "root route",
			args: []string{"-routes-file", file, "DELETE", "/nothing"},
			want: []string{"request  DELETE localhost/nothing", "~result   route fallback", "(routes without Path/PathSubtree)", "MATCH  fallback  weight 0"},
		},
		{
			name: "routes with bad filters are left out, not matched",
			args: []string{"-routes-file", file, "GET", "/nf"},
			want: []string{"~result   route fallback", "MATCH  fallback  weight 0", "~invalid_filter_params", "~unknown_filter"},
			not:  []string{"MATCH  unknownFilter", "MATCH  badArgs", "any filter name is accepted"},
		},
		{
			name: "rate limit filters are known",
			args: []string{"-routes-file", file, "GET", "/limited"},
			want: []string{"~result   route limited", "MATCH  limited  weight 0"},
		},
		{
			name: "custom predicate from the registry",
			args: []string{"-routes-file", file, "-H", "Cookie: session=vip1", "PUT", "http://www.example.org/api/x"},
			want: []string{"~result   route vip", "MATCH  vip  weight 1"},
		},
		{
			name: "two files, Host header",
			args: []string{"-routes-file", file + "," + writeRoutes(t, `only: Path("/only") -> <shunt>;`), "-H", "Host: a", "GET", "/other"},
			want: []string{"request  GET a/other", "~result   route fallback"},
		},
		{
			name: "nothing matches",
			args: []string{"-routes-file", writeRoutes(t, `only: Path("/only") -> <shunt>;`), "GET", "/other"},
			want: []string{"result   no route matches (the proxy answers 404)", "(none: no route's path fits the request path)"},
		},
		{name: "usage", args: []string{"-routes-file", file, "GET"}, code: 2, want: []string{"~usage: skiff explain"}},
		{name: "no file", args: []string{"GET", "/"}, code: 2, want: []string{"~usage: skiff explain"}},
		{name: "bad header", args: []string{"-routes-file", file, "-H", "nocolon", "GET", "/"}, code: 2, want: []string{`~bad header "nocolon"`}},
		{name: "missing file", args: []string{"-routes-file", "/does/not/exist", "GET", "/"}, code: 1, want: []string{"~reading routes"}},
		{name: "syntax error", args: []string{"-routes-file", writeRoutes(t, "a: Path(\"/a\") -> ;")}, code: 2, want: []string{"~usage"}},
		{name: "syntax error with request", args: []string{"-routes-file", writeRoutes(t, "a: Path(\"/a\") -> ;"), "GET", "/"}, code: 1, want: []string{"~routes.eskip:1:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run(Extensions{}, append([]string{"explain", "-enable-ratelimits"}, tc.args...), strings.NewReader(""), &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errOut.String())
			}
			text := out.String() + errOut.String()
			lines := strings.Split(text, "\n")
			i := 0
			for _, w := range tc.want {
				if sub, ok := strings.CutPrefix(w, "~"); ok {
					if !strings.Contains(text, sub) {
						t.Errorf("output lacks %q", sub)
					}
					continue
				}
				for i < len(lines) && strings.TrimSpace(lines[i]) != w {
					i++
				}
				if i == len(lines) {
					t.Errorf("output lacks line %q (in order)", w)
					i = 0
				}
			}
			for _, n := range tc.not {
				if strings.Contains(text, n) {
					t.Errorf("output mentions %q", n)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", text)
			}
		})
	}
}
