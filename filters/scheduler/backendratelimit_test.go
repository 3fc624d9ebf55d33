package scheduler

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// TestLimiterSlidingWindow: at most maxHits per endpoint in any window.
func TestLimiterSlidingWindow(t *testing.T) {
	l := &limiter{key: limiterKey{"g", 3, time.Second}, endpoints: map[string]*hitLog{}}
	at := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	for _, tc := range []struct {
		ms       int
		endpoint string
		want     bool
	}{
		{0, "a:80", true},
		{100, "a:80", true},
		{200, "a:80", true},
		{300, "a:80", false},
		{300, "b:80", true}, // another endpoint counts on its own
		{999, "a:80", false},
		{1000, "a:80", true}, // the hit of 0ms left the window
		{1001, "a:80", false},
		{1100, "a:80", true},
		{1200, "a:80", true},
		{1201, "a:80", false},
		{5000, "a:80", true},
	} {
		if got := l.allow(tc.endpoint, at(tc.ms)); got != tc.want {
			t.Errorf("%s at %dms: %v, want %v", tc.endpoint, tc.ms, got, tc.want)
		}
	}
	st := l.stats(at(5000))
	if st.Rejected != 4 || len(st.Endpoints) != 2 || st.Endpoints[0] != (EndpointStats{"a:80", 1, 4}) || st.Endpoints[1] != (EndpointStats{"b:80", 0, 0}) {
		t.Errorf("stats %+v", st)
	}
	// Quiet endpoints are forgotten.
	l.allow("a:80", at(70000))
	if st := l.stats(at(70000)); len(st.Endpoints) != 1 {
		t.Errorf("after a sweep: %+v", st)
	}
}

func TestLimiterLarge(t *testing.T) {
	l := &limiter{key: limiterKey{"g", 1000, time.Minute}, endpoints: map[string]*hitLog{}}
	for i := range 1000 {
		if !l.allow("a:80", time.Duration(i)*time.Millisecond) {
			t.Fatalf("hit %d refused", i)
		}
	}
	if l.allow("a:80", time.Second) {
		t.Fatal("hit 1001 allowed")
	}
	if !l.allow("a:80", time.Minute) {
		t.Fatal("refused after the first hit left the window")
	}
}

// TestBackendRatelimitNetworkRoute: a route with a network backend is
// limited in the request phase, per endpoint and across the routes of a
// group; the answer is the status given, the backend not called.
func TestBackendRatelimitNetworkRoute(t *testing.T) {
	reg, ft := fakeRegistry()
	foo := create(t, reg, "backendRatelimit", "foobar", 2.0, "1s")
	bar := create(t, reg, "backendRatelimit", "foobar", 2.0, "1s", 429.0)
	other := create(t, reg, "backendRatelimit", "other", 1.0, "1s")
	req := func(f filters.Filter, backend string) *filtertest.Context {
		c := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		c.FBackendUrl = backend
		f.Request(c)
		return c
	}
	if req(foo, "http://Backend1").Served() || req(bar, "http://backend1:80").Served() {
		t.Fatal("refused within the limit")
	}
	wantServed(t, req(foo, "http://backend1"), 503, "Service Unavailable\n")
	wantServed(t, req(bar, "http://backend1"), 429, "Too Many Requests\n")
	if req(foo, "https://backend1").Served() {
		t.Error("backend1:443 refused")
	}
	if req(other, "http://backend1").Served() {
		t.Error("another group refused")
	}
	if req(foo, "").Served() {
		t.Error("no backend address refused")
	}
	ft.add(time.Second)
	if req(bar, "http://backend1").Served() {
		t.Error("refused in the next window")
	}
	snap := reg.Snapshot().BackendRatelimits
	if len(snap) != 2 || snap[0].Group != "foobar" || snap[0].Rejected != 2 || snap[1].Group != "other" {
		t.Errorf("snapshot %+v", snap)
	}
	for _, f := range []filters.Filter{foo, bar, other} {
		f.(filters.Closer).Close()
	}
	if n := len(reg.Snapshot().BackendRatelimits); n != 0 {
		t.Errorf("%d limiters left", n)
	}
}

// The shape of the interface the proxy is to ask before an attempt of a
// load-balanced route (README: "Load-balanced routes").
var _ interface {
	filters.Filter
	RefuseAttempt(ctx filters.FilterContext, endpoint string) *http.Response
} = (*backendRatelimitFilter)(nil)

// TestBackendRatelimitAttempt: for a load-balanced route the request phase
// decides nothing; the attempt does, and only the last backendRatelimit
// of the request counts.
func TestBackendRatelimitAttempt(t *testing.T) {
	reg, _ := fakeRegistry()
	first := create(t, reg, "backendRatelimit", "a", 1.0, "1s").(*backendRatelimitFilter)
	last := create(t, reg, "backendRatelimit", "b", 2.0, "1s", 429.0).(*backendRatelimitFilter)
	for i, want := range []int{0, 0, 429, 429} {
		c := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		first.Request(c)
		last.Request(c)
		if c.Served() {
			t.Fatal("served in the request phase")
		}
		if rsp := first.RefuseAttempt(c, "10.0.0.1:8080"); rsp != nil {
			t.Errorf("request %d: a filter that is not the last refused", i)
		}
		rsp := last.RefuseAttempt(c, "10.0.0.1:8080")
		switch {
		case want == 0 && rsp != nil:
			t.Errorf("request %d refused", i)
		case want != 0 && (rsp == nil || rsp.StatusCode != want):
			t.Errorf("request %d: %+v, want %d", i, rsp, want)
		}
		if rsp := last.RefuseAttempt(c, "10.0.0.2:8080"); i < 2 && rsp != nil {
			t.Errorf("request %d: other endpoint refused", i)
		}
	}
}
