package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/skiff-proxy/skiff/filters/specargs"

	"github.com/skiff-proxy/skiff/examples/internal/exampletest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestQueryFlagArguments(t *testing.T) {
	for _, tc := range []struct {
		args []any
		err  string // "" when valid
	}{
		{[]any{"debug"}, ""},
		{nil, "QueryFlag: expects 1 argument(s), got 0"},
		{[]any{"a", "b"}, "QueryFlag: expects 1 argument(s), got 2"},
		{[]any{""}, "QueryFlag: argument 1 must not be empty"},
		{[]any{3.0}, "QueryFlag: argument 1 (3) must be a string"},
	} {
		_, err := queryFlagSpec{}.Create(tc.args)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.err)
		case err != nil && !errors.Is(err, specargs.ErrInvalidPredicateParameters):
			t.Errorf("%v: error does not wrap ErrInvalidPredicateParameters", tc.args)
		}
	}
}

func TestQueryFlagMatch(t *testing.T) {
	p, err := queryFlagSpec{}.Create([]any{"debug"})
	if err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]bool{
		"":                false,
		"?debug":          true,
		"?debug=":         true,
		"?debug=1":        true,
		"?debug=TRUE":     true,
		"?debug=yes":      true,
		"?debug=on":       true,
		"?debug=0":        false,
		"?debug=false":    false,
		"?debug=maybe":    false,
		"?x=1&debug":      true,
		"?debug=0&debug":  false, // the first value counts
		"?debugging=1":    false,
		"?other=debug":    false,
		"?de%62ug=1":      true, // escaped names are decoded
		"?debug=%74rue":   true,
		"?DEBUG=1":        false, // names are case-sensitive
		"?debug=1;x=2":    false, // a semicolon makes the pair unreadable
		"?x=1;y=2&debug=": true,
	} {
		if got := p.Match(httptest.NewRequest("GET", "/"+query, nil)); got != want {
			t.Errorf("%q: %v, want %v", query, got, want)
		}
	}
}

// TestEndToEnd builds the binary and runs it as an operator would: its
// check command knows the predicate, and the server routes by it.
func TestEndToEnd(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("X-Route"))
	}))
	defer backend.Close()
	dir := t.TempDir()
	bin := exampletest.Build(t)
	routes := filepath.Join(dir, "routes.eskip")
	os.WriteFile(routes, []byte(fmt.Sprintf(`
		debug: Path("/") && QueryFlag("debug") -> setRequestHeader("X-Route", "debug") -> %[1]q;
		plain: Path("/") -> setRequestHeader("X-Route", "plain") -> %[1]q;`, backend.URL)), 0o644)
	bad := filepath.Join(dir, "bad.eskip")
	os.WriteFile(bad, []byte(`bad: Path("/") && QueryFlag() -> <shunt>;`), 0o644)

	// check knows the predicate: no "unknown predicate" warning, and a
	// bad argument is an error, as the server would drop the route.
	out, err := exec.Command(bin, "check", routes, "routes.eskip").CombinedOutput()
	if err != nil || strings.Count(string(out), "ok, 2 routes\n") != 2 || strings.Contains(string(out), "warning") {
		t.Errorf("check: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "check", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `route "bad"`) || !strings.Contains(string(out), "QueryFlag: expects 1 argument(s), got 0") {
		t.Errorf("check with a bad QueryFlag(): %v\n%s", err, out)
	}

	addr := exampletest.FreeAddress(t)
	cmd := exec.Command(bin, "-address", addr, "-support-listener", "", "-routes-file", routes,
		"-wait-for-healthcheck-interval", "0", "-access-log-disabled", "-application-log-level", "ERROR")
	cmd.Stderr = os.Stderr
	exampletest.Start(t, cmd)

	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	get := func(path string) (string, error) {
		rsp, err := client.Get("http://" + addr + path)
		if err != nil {
			return "", err
		}
		defer rsp.Body.Close()
		body, err := io.ReadAll(rsp.Body)
		return string(body), err
	}
	exampletest.WaitServing(t, client, "http://"+addr+"/")
	for path, want := range map[string]string{
		"/":             "plain",
		"/?debug":       "debug",
		"/?debug=true":  "debug",
		"/?debug=0":     "plain",
		"/?verbose=1":   "plain",
		"/?a=b&debug=1": "debug",
	} {
		if got, err := get(path); err != nil || got != want {
			t.Errorf("%s: %q, %v; want route %s", path, got, err, want)
		}
	}
}
