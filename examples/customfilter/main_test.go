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

	"github.com/skiff-proxy/skiff/filters"

	"github.com/skiff-proxy/skiff/examples/internal/exampletest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGreetingArguments(t *testing.T) {
	for _, tc := range []struct {
		args []any
		ok   bool
	}{
		{[]any{"bob"}, true},
		{nil, false},
		{[]any{""}, false},
		{[]any{3.0}, false},
		{[]any{"a", "b"}, false},
	} {
		_, err := greetingSpec{}.CreateFilter(tc.args)
		if (err == nil) != tc.ok {
			t.Errorf("%v: err %v", tc.args, err)
		}
		if err != nil && !errors.Is(err, filters.ErrInvalidFilterParameters) {
			t.Errorf("%v: error does not wrap ErrInvalidFilterParameters", tc.args)
		}
	}
}

// TestEndToEnd builds the binary and runs it as an operator would: it
// serves with skiff's flags, and its check command knows the filter.
func TestEndToEnd(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "backend got: "+r.Header.Get("X-Greeting"))
	}))
	defer backend.Close()
	dir := t.TempDir()
	bin := exampletest.Build(t)
	good := filepath.Join(dir, "good.eskip")
	os.WriteFile(good, []byte(fmt.Sprintf(`greet: Path("/") -> greeting("gopher") -> %q;`, backend.URL)), 0o644)
	routes := filepath.Join(dir, "routes.eskip")
	os.WriteFile(routes, []byte(fmt.Sprintf(`
		greet: Path("/") -> greeting("gopher") -> %q;
		bad: Path("/bad") -> greeting() -> <shunt>;`, backend.URL)), 0o644)

	// check knows the custom filter: no "unknown filter" warning, and a
	// bad argument is an error, as the server would drop the route.
	out, err := exec.Command(bin, "check", good).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok, 1 routes\n") || strings.Contains(string(out), "warning") {
		t.Errorf("check good file: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "check", routes).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `route "bad"`) {
		t.Errorf("check with a bad greeting(): %v\n%s", err, out)
	}

	addr := exampletest.FreeAddress(t)
	exampletest.Start(t, exec.Command(bin, "-address", addr, "-support-listener", "", "-routes-file", routes,
		"-wait-for-healthcheck-interval", "0", "-access-log-disabled", "-application-log-level", "ERROR"))

	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	exampletest.WaitServing(t, client, "http://"+addr+"/")
	rsp, err := client.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	if string(body) != "backend got: Hello, gopher" || rsp.Header.Get("X-Greeted") != "true" {
		t.Errorf("got %q, X-Greeted %q", body, rsp.Header.Get("X-Greeted"))
	}
	// The route with bad arguments was rejected, not the whole table.
	rsp, err = client.Get("http://" + addr + "/bad")
	if err != nil {
		t.Fatal(err)
	}
	rsp.Body.Close()
	if rsp.StatusCode != 404 {
		t.Errorf("/bad: %d, want 404 (route invalid)", rsp.StatusCode)
	}
}
