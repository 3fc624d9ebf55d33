package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"go.uber.org/goleak"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/filters"
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

// TestEndToEnd runs the binary's options through skiff.Run and sends real
// requests through it to a real backend.
func TestEndToEnd(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "backend got: "+r.Header.Get("X-Greeting"))
	}))
	defer backend.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "routes.eskip")
	os.WriteFile(file, []byte(fmt.Sprintf(`
		greet: Path("/") -> greeting("gopher") -> %q;
		bad: Path("/bad") -> greeting() -> <shunt>;`, backend.URL)), 0o644)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := options("", "", []string{file})
	o.Listener = ln
	o.DisableSupportListener = true
	o.WaitFirstRouteLoad = true
	o.WaitForHealthcheckInterval = -1
	o.AccessLogDisabled = true
	quiet := logrus.New()
	quiet.SetOutput(io.Discard)
	o.Log = quiet

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- skiff.Run(ctx, o) }()

	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	get := func(path string) (*http.Response, string) {
		rsp, err := client.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer rsp.Body.Close()
		b, _ := io.ReadAll(rsp.Body)
		return rsp, string(b)
	}
	rsp, body := get("/")
	if body != "backend got: Hello, gopher" || rsp.Header.Get("X-Greeted") != "true" {
		t.Errorf("got %q, X-Greeted %q", body, rsp.Header.Get("X-Greeted"))
	}
	// The route with bad arguments was rejected, not the whole table.
	if rsp, _ := get("/bad"); rsp.StatusCode != 404 {
		t.Errorf("/bad: %d, want 404 (route invalid)", rsp.StatusCode)
	}
	client.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
