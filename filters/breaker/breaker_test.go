package breaker

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sony/gobreaker"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func specByName(reg *Registry, name string) filters.Spec {
	for _, s := range append(Specs(reg), HostSpec(reg)) {
		if s.Name() == name {
			return s
		}
	}
	panic(name)
}

func TestCreateFilterArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []any
		bad  string // substring of the error, "" when valid
	}{
		{ConsecutiveName, []any{5.0}, ""},
		{ConsecutiveName, []any{5.0, "10s", 2.0, "1h"}, ""},
		{ConsecutiveName, []any{5.0, 1500.0}, ""},
		{ConsecutiveName, []any{5, 10 * time.Second}, ""},
		{ConsecutiveName, nil, "want 1 to 4 arguments"},
		{ConsecutiveName, []any{"5"}, "argument 1 must be a number"},
		{ConsecutiveName, []any{0.0}, "argument 1 must be a positive integer"},
		{ConsecutiveName, []any{1.5}, "argument 1 must be a positive integer"},
		{ConsecutiveName, []any{5.0, "soon"}, "argument 2"},
		{ConsecutiveName, []any{5.0, "-1s"}, "argument 2"},
		{ConsecutiveName, []any{5.0, "1s", 0.0}, "argument 3"},
		{ConsecutiveName, []any{5.0, "1s", 1.0, "x"}, "argument 4"},
		{ConsecutiveName, []any{5.0, "1s", 1.0, "1h", 1.0}, "want 1 to 4"},
		{RateName, []any{5.0, 10.0}, ""},
		{RateName, []any{5.0, 10.0, "1m", 3.0, "2h"}, ""},
		{RateName, []any{5.0}, "want 2 to 5"},
		{RateName, []any{5.0, 4.0}, "argument 2 (window 4)"},
		{RateName, []any{5.0, 10.0, true}, "argument 3"},
		{DisableName, nil, ""},
		{DisableName, []any{1.0}, "takes no arguments"},
		{HostName, []any{"x"}, "takes no arguments"},
	} {
		filtertest.CheckCreate(t, specByName(nil, tc.name), tc.args, tc.bad)
	}
}

// run sends one request through f and answers it with status unless a
// filter served; it returns the response the client would get.
func run(f filters.Filter, backend string, status int) *http.Response {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	ctx.FBackendUrl = backend
	ctx.FRouteId = "r1"
	f.Request(ctx)
	if !ctx.Served() {
		ctx.FResponse = &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody}
	}
	f.Response(ctx)
	return ctx.FResponse
}

func assertOpen(t *testing.T, rsp *http.Response) {
	t.Helper()
	if rsp.StatusCode != 503 || rsp.Header.Get(HeaderCircuitOpen) != "true" {
		t.Fatalf("want open breaker 503, got %d %v", rsp.StatusCode, rsp.Header)
	}
	if b := filtertest.Body(t, rsp); b != "Service Unavailable\n" || rsp.Header.Get("Content-Length") != "20" {
		t.Fatalf("error body %q, Content-Length %s", b, rsp.Header.Get("Content-Length"))
	}
	if rsp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || rsp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("error headers %v", rsp.Header)
	}
}

func TestConsecutiveBreakerOpens(t *testing.T) {
	reg := NewRegistry(Options{})
	f := filtertest.Create(t, specByName(reg, ConsecutiveName), 3.0)
	const be = "http://backend.example:8080"
	// successes interleaved with failures keep it closed
	for _, st := range []int{500, 502, 200, 500, 504} {
		if rsp := run(f, be, st); rsp.StatusCode != st {
			t.Fatalf("closed breaker changed status %d to %d", st, rsp.StatusCode)
		}
	}
	if rsp := run(f, be, 503); rsp.StatusCode != 503 || rsp.Header.Get(HeaderCircuitOpen) != "" {
		t.Fatalf("third consecutive failure must pass through, got %v", rsp.Header)
	}
	assertOpen(t, run(f, be, 200))
	// another backend of the same settings has its own breaker
	if rsp := run(f, "http://other.example", 200); rsp.StatusCode != 200 {
		t.Fatalf("other backend affected: %d", rsp.StatusCode)
	}
	if st, ok := reg.State("backend.example:8080", Settings{Type: Consecutive, Failures: 3}); !ok || st != gobreaker.StateOpen {
		t.Fatalf("state %v %v", st, ok)
	}
}

func TestRateBreakerWindow(t *testing.T) {
	reg := NewRegistry(Options{})
	f := filtertest.Create(t, specByName(reg, RateName), 3.0, 5.0)
	const be = "http://backend.example"
	// 2 failures in the window of 5, then the oldest failures slide out
	for _, st := range []int{500, 200, 500, 200, 200, 200, 200, 500, 200} {
		if rsp := run(f, be, st); rsp.StatusCode != st {
			t.Fatalf("breaker opened too early at %d", st)
		}
	}
	// window now: 200 200 200 500 200 -> two more failures make three
	run(f, be, 500)
	run(f, be, 500)
	assertOpen(t, run(f, be, 200))
}

func TestHalfOpenRecovers(t *testing.T) {
	reg := NewRegistry(Options{})
	f := filtertest.Create(t, specByName(reg, ConsecutiveName), 1.0, "1ms", 2.0)
	const be = "http://backend.example"
	run(f, be, 500)
	assertOpen(t, run(f, be, 200))
	// wait for the breaker's own timeout to move it to half-open
	waitState(t, reg, "backend.example", Settings{Type: Consecutive, Failures: 1, Timeout: time.Millisecond, HalfOpenRequests: 2}, gobreaker.StateHalfOpen)
	for i := 0; i < 2; i++ {
		if rsp := run(f, be, 200); rsp.StatusCode != 200 {
			t.Fatalf("probe %d: %d", i, rsp.StatusCode)
		}
	}
	if st, _ := reg.State("backend.example", Settings{Type: Consecutive, Failures: 1, Timeout: time.Millisecond, HalfOpenRequests: 2}); st != gobreaker.StateClosed {
		t.Fatalf("want closed after successful probes, got %v", st)
	}
}

func waitState(t *testing.T, reg *Registry, host string, s Settings, want gobreaker.State) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if st, _ := reg.State(host, s); st == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("breaker never reached %v", want)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestProxyErrorsCountAndServedResponsesDoNot(t *testing.T) {
	reg := NewRegistry(Options{})
	f := filtertest.Create(t, specByName(reg, ConsecutiveName), 2.0)
	if !f.(filters.ErrorHandler).HandleErrorResponse() {
		t.Fatal("breaker must handle error responses")
	}
	const be = "http://backend.example"
	// Requests answered by a later filter (429) interleave with proxy
	// errors (502 for a dial failure); were the 429s counted as successes,
	// the failures would never be consecutive.
	for i := 0; i < 2; i++ {
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		ctx.FBackendUrl = be
		f.Request(ctx)
		if rsp := run(f, be, 502); rsp.StatusCode != 502 {
			t.Fatalf("breaker opened early")
		}
		ctx.Serve(&http.Response{StatusCode: 429})
		f.Response(ctx)
	}
	assertOpen(t, run(f, be, 200))
}

func TestRegistrySurvivesRebuild(t *testing.T) {
	reg := NewRegistry(Options{})
	const be = "http://backend.example"
	f1 := filtertest.Create(t, specByName(reg, ConsecutiveName), 1.0)
	run(f1, be, 500)
	f2 := filtertest.Create(t, specByName(reg, ConsecutiveName), 1.0)
	assertOpen(t, run(f2, be, 200))
	// different route settings: a different breaker
	f3 := filtertest.Create(t, specByName(reg, ConsecutiveName), 2.0)
	if rsp := run(f3, be, 200); rsp.StatusCode != 200 {
		t.Fatalf("different settings share a breaker")
	}
	if reg.Len() != 2 {
		t.Fatalf("want 2 breakers, got %d", reg.Len())
	}
}

func TestNilRegistryIsNoop(t *testing.T) {
	for _, name := range []string{ConsecutiveName, RateName, DisableName} {
		args := map[string][]any{ConsecutiveName: {1.0}, RateName: {1.0, 1.0}}[name]
		f := filtertest.Create(t, specByName(nil, name), args...)
		for i := 0; i < 5; i++ {
			if rsp := run(f, "http://b.example", 500); rsp.StatusCode != 500 {
				t.Fatalf("%s: disabled breakers must not answer", name)
			}
		}
	}
}

func TestDisableBreakerAndHostDefaults(t *testing.T) {
	reg := NewRegistry(Options{
		Global: Settings{Type: Consecutive, Failures: 5},
		Hosts:  []Settings{{Host: "fragile.example", Type: Consecutive, Failures: 1}},
	})
	host := filtertest.Create(t, specByName(reg, HostName))
	disable := filtertest.Create(t, specByName(reg, DisableName))
	chain := func(fs ...filters.Filter) func(be string, status int) *http.Response {
		return func(be string, status int) *http.Response {
			ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
			ctx.FBackendUrl = be
			n := 0
			for _, f := range fs {
				f.Request(ctx)
				n++
				if ctx.Served() {
					break
				}
			}
			if !ctx.Served() {
				ctx.FResponse = &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody}
			}
			for i := n - 1; i >= 0; i-- {
				fs[i].Response(ctx)
			}
			return ctx.FResponse
		}
	}
	// host settings: one failure opens
	withHost := chain(host)
	withHost("http://fragile.example", 500)
	assertOpen(t, withHost("http://fragile.example", 200))
	// global settings for other hosts: five failures
	for i := 0; i < 5; i++ {
		if rsp := withHost("http://sturdy.example", 500); rsp.StatusCode != 500 {
			t.Fatalf("opened after %d failures", i)
		}
	}
	assertOpen(t, withHost("http://sturdy.example", 200))
	// disableBreaker before the host default: never opens
	disabled := chain(disable, host)
	for i := 0; i < 3; i++ {
		if rsp := disabled("http://fragile2.example", 500); rsp.StatusCode != 500 {
			t.Fatalf("disabled breaker answered")
		}
	}
	// route settings win over host ones, missing fields come from the host
	route := filtertest.Create(t, specByName(reg, ConsecutiveName), 2.0)
	routeChain := chain(route, host)
	routeChain("http://fragile.example:81", 500)
	if rsp := routeChain("http://fragile.example:81", 500); rsp.StatusCode != 500 {
		t.Fatal("route settings ignored")
	}
	assertOpen(t, routeChain("http://fragile.example:81", 200))
}

func TestNoBackendUsesRouteKey(t *testing.T) {
	reg := NewRegistry(Options{})
	f := filtertest.Create(t, specByName(reg, ConsecutiveName), 1.0)
	run(f, "", 500)
	assertOpen(t, run(f, "", 200))
	if _, ok := reg.State("route:r1", Settings{Type: Consecutive, Failures: 1}); !ok {
		t.Fatal("want a breaker keyed by route id")
	}
}

func TestIdleBreakersAreDropped(t *testing.T) {
	reg := NewRegistry(Options{})
	now := time.Unix(1000, 0)
	reg.now = func() time.Time { return now }
	reg.lastSweep.Store(now.UnixNano())
	f := filtertest.Create(t, specByName(reg, ConsecutiveName), 1.0, "1m", 1.0, "10m")
	run(f, "http://a.example", 500)
	assertOpen(t, run(f, "http://a.example", 200))
	now = now.Add(11 * time.Minute)
	// a request for another backend triggers the sweep; a's breaker is idle
	run(f, "http://b.example", 200)
	if reg.Len() != 1 {
		t.Fatalf("want the idle breaker dropped, have %d", reg.Len())
	}
	// a fresh breaker for a: closed again
	if rsp := run(f, "http://a.example", 200); rsp.StatusCode != 200 {
		t.Fatalf("evicted breaker still used: %d", rsp.StatusCode)
	}
}

func TestConcurrentUse(t *testing.T) {
	reg := NewRegistry(Options{})
	f := filtertest.Create(t, specByName(reg, RateName), 50.0, 100.0)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				be := "http://a.example"
				if i%2 == 0 {
					be = "http://b.example"
				}
				st := 200
				if (i+g)%3 == 0 {
					st = 500
				}
				rsp := run(f, be, st)
				if rsp.StatusCode != st && rsp.StatusCode != 503 {
					t.Errorf("unexpected status %d", rsp.StatusCode)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func BenchmarkClosedBreaker(b *testing.B) {
	reg := NewRegistry(Options{})
	f, _ := specByName(reg, ConsecutiveName).CreateFilter([]any{5.0})
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	ctx.FBackendUrl = "http://backend.example"
	rsp := &http.Response{StatusCode: 200, Header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(ctx.FStateBag)
		f.Request(ctx)
		ctx.FResponse = rsp
		f.Response(ctx)
	}
}
