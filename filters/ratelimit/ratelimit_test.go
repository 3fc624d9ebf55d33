package ratelimit

import (
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newRegistry(t *testing.T) (*Registry, *clock) {
	t.Helper()
	reg := NewRegistry(Options{CleanupInterval: time.Hour})
	t.Cleanup(func() { reg.Close() })
	c := &clock{t: time.Unix(1_000_000, 0)}
	reg.now = c.now
	return reg, c
}

func specOf(reg *Registry, name string) filters.Spec {
	for _, s := range Specs(reg) {
		if s.Name() == name {
			return s
		}
	}
	panic(name)
}

func TestSpecsNeedRegistry(t *testing.T) {
	if Specs(nil) != nil {
		t.Fatal("rate limit filters must not be registered without a registry")
	}
}

func TestCreateFilterArgs(t *testing.T) {
	reg, _ := newRegistry(t)
	for _, tc := range []struct {
		name string
		args []any
		bad  string
	}{
		{ClientRatelimitName, []any{10.0, "1m"}, ""},
		{ClientRatelimitName, []any{10, time.Minute, "Authorization"}, ""},
		{ClientRatelimitName, []any{10.0, 60.0, "Authorization, X-Tenant"}, ""},
		{ClientRatelimitName, []any{10.0}, "want 2 or 3"},
		{ClientRatelimitName, []any{"10", "1m"}, "argument 1 must be a number"},
		{ClientRatelimitName, []any{0.0, "1m"}, "argument 1 must be a positive integer"},
		{ClientRatelimitName, []any{10.0, "forever"}, "argument 2"},
		{ClientRatelimitName, []any{10.0, "0s"}, "argument 2 must be a positive"},
		{ClientRatelimitName, []any{10.0, "1m", 3.0}, "argument 3"},
		{ClientRatelimitName, []any{10.0, "1m", "A,,B"}, "argument 3"},
		{RatelimitName, []any{10.0, "1m", 503.0}, ""},
		{RatelimitName, []any{10.0, "1m", 700.0}, "argument 3 must be an HTTP status"},
		{RatelimitName, []any{10.0, "1m", "429"}, "argument 3 must be a number"},
		{RatelimitName, []any{10.0, "1m", 429.0, 1.0}, "want 2 or 3"},
	} {
		filtertest.CheckCreate(t, specOf(reg, tc.name), tc.args, tc.bad)
	}
}

type req struct {
	xff, remote, auth, route string
}

func send(f filters.Filter, r req) *filtertest.Context {
	hr := httptest.NewRequest("GET", "/", nil)
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	if r.xff != "" {
		hr.Header.Set("X-Forwarded-For", r.xff)
	}
	if r.auth != "" {
		hr.Header.Set("Authorization", r.auth)
	}
	ctx := filtertest.NewContext(hr)
	ctx.FRouteId = r.route
	if ctx.FRouteId == "" {
		ctx.FRouteId = "r1"
	}
	f.Request(ctx)
	return ctx
}

func TestClientRatelimit(t *testing.T) {
	reg, clk := newRegistry(t)
	f := filtertest.Create(t, specOf(reg, ClientRatelimitName), 2.0, "1m")
	a := req{xff: "10.0.0.1, 192.168.0.1", remote: "192.168.0.1:1234"}
	for i := 0; i < 2; i++ {
		if send(f, a).Served() {
			t.Fatalf("request %d rejected", i)
		}
		clk.add(10 * time.Second)
	}
	ctx := send(f, a)
	if !ctx.Served() {
		t.Fatal("third request in the window admitted")
	}
	rsp := ctx.FResponse
	if rsp.StatusCode != 429 || rsp.Header.Get(HeaderRateLimit) != "120" || rsp.Header.Get(HeaderRetryAfter) != "40" {
		t.Fatalf("rejection %d %v", rsp.StatusCode, rsp.Header)
	}
	if b := filtertest.Body(t, rsp); b != "Too Many Requests\n" {
		t.Fatalf("body %q", b)
	}
	// another client (different first XFF entry) has its own window
	if send(f, req{xff: "10.0.0.2", remote: "192.168.0.1:1234"}).Served() {
		t.Fatal("other client limited")
	}
	// without XFF the remote IP is the key, port ignored
	for i, want := range []bool{false, false, true} {
		if got := send(f, req{remote: "192.168.0.9:" + string(rune('1'+i))}).Served(); got != want {
			t.Fatalf("remote-addr request %d served=%v", i, got)
		}
	}
	// the window slides: after the first hit expires one more is admitted
	clk.add(40 * time.Second)
	if send(f, a).Served() {
		t.Fatal("request after the oldest hit expired rejected")
	}
	if !send(f, a).Served() {
		t.Fatal("window must still hold the second hit")
	}
}

func TestClientRatelimitByHeader(t *testing.T) {
	reg, _ := newRegistry(t)
	f := filtertest.Create(t, specOf(reg, ClientRatelimitName), 1.0, "1h", "Authorization")
	if send(f, req{auth: "token-a", xff: "1.1.1.1"}).Served() {
		t.Fatal("first request rejected")
	}
	if !send(f, req{auth: "token-a", xff: "2.2.2.2"}).Served() {
		t.Fatal("same token from another IP must share the limit")
	}
	if send(f, req{auth: "token-b", xff: "1.1.1.1"}).Served() {
		t.Fatal("another token limited")
	}
	for i := 0; i < 3; i++ {
		if send(f, req{xff: "1.1.1.1"}).Served() {
			t.Fatal("requests without the header are not limited")
		}
	}
	ctx := send(f, req{auth: "token-b"})
	if got := ctx.FResponse.Header.Get(HeaderRateLimit); got != "1" {
		t.Fatalf("X-Rate-Limit %q", got)
	}
}

func TestRatelimitPerRoute(t *testing.T) {
	reg, clk := newRegistry(t)
	f := filtertest.Create(t, specOf(reg, RatelimitName), 3.0, "1s", 503.0)
	for i := 0; i < 3; i++ {
		if send(f, req{xff: "10.0.0." + string(rune('1'+i))}).Served() {
			t.Fatalf("request %d rejected", i)
		}
	}
	ctx := send(f, req{xff: "10.0.0.9"})
	if !ctx.Served() || ctx.FResponse.StatusCode != 503 || ctx.FResponse.Status != "503 Service Unavailable" || ctx.FResponse.Header.Get(HeaderRetryAfter) != "1" ||
		ctx.FResponse.Header.Get(HeaderRateLimit) != "10800" {
		t.Fatalf("want 503 for every client, got %+v", ctx.FResponse)
	}
	if b := filtertest.Body(t, ctx.FResponse); b != "Service Unavailable\n" {
		t.Fatalf("body %q", b)
	}
	// a rebuilt filter of the same route continues the count
	f2 := filtertest.Create(t, specOf(reg, RatelimitName), 3.0, "1s", 503.0)
	if !send(f2, req{}).Served() {
		t.Fatal("rebuilt filter lost the count")
	}
	// another route with the same settings has its own limit
	f3 := filtertest.Create(t, specOf(reg, RatelimitName), 3.0, "1s", 503.0)
	if send(f3, req{route: "r2"}).Served() {
		t.Fatal("routes share a limit")
	}
	clk.add(time.Second)
	if send(f, req{}).Served() {
		t.Fatal("window did not slide")
	}
}

func TestCleanupExpiresClientsAndLimiters(t *testing.T) {
	reg, clk := newRegistry(t)
	f := filtertest.Create(t, specOf(reg, ClientRatelimitName), 1.0, "1m").(*filter)
	for i := 0; i < 100; i++ {
		send(f, req{xff: "10.1.0." + strings.Repeat("1", i%3+1) + string(rune('a'+i%26)) + string(rune('a'+i/26))})
	}
	l := f.lim.Load()
	if l.clients() != 100 {
		t.Fatalf("tracked %d clients", l.clients())
	}
	clk.add(30 * time.Second)
	send(f, req{xff: "10.9.9.9"})
	clk.add(31 * time.Second)
	reg.cleanup(time.Minute)
	if l.clients() != 1 {
		t.Fatalf("want only the recent client left, have %d", l.clients())
	}
	clk.add(3 * time.Minute)
	reg.cleanup(time.Minute)
	if reg.Len() != 0 || !l.dead.Load() {
		t.Fatalf("idle limiter kept: %d", reg.Len())
	}
	// the filter notices and gets a fresh limiter
	if send(f, req{xff: "10.9.9.9"}).Served() {
		t.Fatal("fresh limiter rejected")
	}
	if reg.Len() != 1 || f.lim.Load() == l {
		t.Fatal("filter kept the dead limiter")
	}
}

func TestConcurrentClientsAdmitExactlyMax(t *testing.T) {
	reg, _ := newRegistry(t)
	f := filtertest.Create(t, specOf(reg, ClientRatelimitName), 50.0, "1h")
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if !send(f, req{xff: "10.0.0.1"}).Served() {
					admitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if admitted.Load() != 50 {
		t.Fatalf("admitted %d, want 50", admitted.Load())
	}
}

func TestHitsRing(t *testing.T) {
	var h hits
	const w = 10
	for i := int64(0); i < 6; i++ {
		if ok, _ := h.allow(i, w, 6); !ok {
			t.Fatalf("hit %d rejected", i)
		}
	}
	if ok, wait := h.allow(6, w, 6); ok || wait != 4 {
		t.Fatalf("full window: ok=%v wait=%d", ok, wait)
	}
	// at t=11 the hits at 0 and 1 have expired
	for i := 0; i < 2; i++ {
		if ok, _ := h.allow(11, w, 6); !ok {
			t.Fatalf("slot %d not freed", i)
		}
	}
	if ok, wait := h.allow(11, w, 6); ok || wait != 1 {
		t.Fatalf("ok=%v wait=%d", ok, wait)
	}
	if len(h.ts) != 6 || h.newest() != 11 {
		t.Fatalf("ring %v newest %d", h.ts, h.newest())
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	reg := NewRegistry(Options{CleanupInterval: time.Millisecond})
	reg.Close()
	reg.Close()
}

func BenchmarkClientRatelimit(b *testing.B) {
	reg := NewRegistry(Options{})
	defer reg.Close()
	f, _ := specOf(reg, ClientRatelimitName).CreateFilter([]any{1000.0, "1us"})
	hr := httptest.NewRequest("GET", "/", nil)
	hr.Header.Set("X-Forwarded-For", "10.0.0.1, 10.0.0.2")
	ctx := filtertest.NewContext(hr)
	ctx.FRouteId = "r"
	b.ReportAllocs()
	for b.Loop() {
		f.Request(ctx)
	}
}
