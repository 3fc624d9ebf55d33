package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/filters"
)

// panicSpec is a custom filter that panics in its request phase.
type panicSpec struct{}

func (panicSpec) Name() string                               { return "panicNow" }
func (panicSpec) CreateFilter([]any) (filters.Filter, error) { return panicSpec{}, nil }
func (panicSpec) Request(filters.FilterContext)              { panic("filter bug") }
func (panicSpec) Response(filters.FilterContext)             {}

func TestErrorStatuses(t *testing.T) {
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	ok := newBackend(t, "ok", nil)
	dead := deadAddress(t)
	in := start(t, routes(
		fmt.Sprintf(`refused: Path("/refused") -> "http://%s";`, dead),
		fmt.Sprintf(`slow: Path("/slow") -> %q;`, slow.URL),
		fmt.Sprintf(`slowRoute: Path("/slow-route") -> backendTimeout("50ms") -> %q;`, slow.URL),
		`loop: Path("/loop") -> <loopback>;`,
		`panic: Path("/panic") -> panicNow() -> <shunt>;`,
		fmt.Sprintf(`ok: Path("/ok") -> %q;`, ok.URL),
		`limited: Path("/limited") -> ratelimit(1, "1h") -> inlineContent("ok") -> <shunt>;`,
		fmt.Sprintf(`breaker: Path("/breaker") -> consecutiveBreaker(1) -> "http://%s";`, dead),
	), skiff.Options{
		CustomFilters:                []filters.Spec{panicSpec{}},
		ResponseHeaderTimeoutBackend: 100 * time.Millisecond,
		EnableRatelimits:             true,
		EnableBreakers:               true,
	})

	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/no-such-route", 404},
		{"/refused", 502},
		{"/slow", 504},       // -response-header-timeout-backend
		{"/slow-route", 504}, // backendTimeout filter
		{"/loop", 500},
		{"/panic", 500},
		{"/ok", 200}, // a panic broke only its own request
		{"/limited", 200},
		{"/limited", 429},
		{"/breaker", 502}, // the failure opens the breaker ...
		{"/breaker", 503}, // ... which answers without dialing
	} {
		r := in.get(t, tc.path)
		if r.status != tc.status {
			t.Errorf("%s: status %d, want %d (%q)", tc.path, r.status, tc.status, r.body)
		}
		if tc.status >= 500 && tc.path != "/breaker" && r.body != http.StatusText(tc.status)+"\n" {
			t.Errorf("%s: error body %q", tc.path, r.body)
		}
	}
}

func TestDefaultHTTPStatus(t *testing.T) {
	in := start(t, routes(`r: Path("/x") -> <shunt>;`), skiff.Options{DefaultHTTPStatus: 418})
	if r := in.get(t, "/nothing"); r.status != 418 {
		t.Errorf("status %d, want 418", r.status)
	}
}

func TestClientCancelLogged499(t *testing.T) {
	release := make(chan struct{})
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	in := start(t, routes(fmt.Sprintf(`slow: * -> %q;`, slow.URL)), skiff.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", in.url+"/gone", nil)
	go func() {
		waitFor(t, func() bool { return slow.hits.Load() == 1 })
		cancel()
	}()
	if _, err := in.client.Do(req); err == nil {
		t.Fatal("request was not canceled")
	}
	waitFor(t, func() bool { return strings.Contains(in.access.String(), `"GET /gone HTTP/1.1" 499 `) })
}

func TestRetryAvoidsFailedEndpoint(t *testing.T) {
	live := newBackend(t, "live", nil)
	dead := deadAddress(t)
	in := start(t, routes(
		fmt.Sprintf(`lb: * -> <roundRobin, "http://%s", %q>;`, dead, live.URL),
	), skiff.Options{})
	for i := 0; i < 10; i++ {
		r := in.get(t, "/")
		if r.status != 200 || r.header.Get("X-Backend") != "live" {
			t.Fatalf("request %d: %d from %q; the retry did not go to the live endpoint", i, r.status, r.header.Get("X-Backend"))
		}
	}
	if live.hits.Load() != 10 {
		t.Errorf("live endpoint got %d requests, want 10", live.hits.Load())
	}
	// A request with a body is retried too: the failed dial read none of it.
	for i := 0; i < 4; i++ {
		req, _ := http.NewRequest("POST", in.url+"/", strings.NewReader("payload"))
		rsp, err := in.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rsp.Body.Close()
		if rsp.StatusCode != 200 {
			t.Errorf("POST %d: status %d, want 200 from the live endpoint", i, rsp.StatusCode)
		}
	}
}
