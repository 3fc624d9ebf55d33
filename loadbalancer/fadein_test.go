package loadbalancer

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/backend"
	"github.com/skiff-proxy/skiff/routing"
)

// testFadeIn and testCreated offer fade-in settings as the fadeIn and
// endpointCreated filters do.
type (
	testFadeIn struct {
		d time.Duration
		k float64
	}
	testCreated struct {
		addr string
		when time.Time
	}
)

func (testFadeIn) Request(filters.FilterContext)                {}
func (testFadeIn) Response(filters.FilterContext)               {}
func (f testFadeIn) FadeInSetting() (time.Duration, float64)    { return f.d, f.k }
func (testCreated) Request(filters.FilterContext)               {}
func (testCreated) Response(filters.FilterContext)              {}
func (c testCreated) Created() (address string, when time.Time) { return c.addr, c.when }

// TestBackendFiltersOfferSettings: the real fadeIn and endpointCreated
// filters offer what fadeInOf reads.
func TestBackendFiltersOfferSettings(t *testing.T) {
	when := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var fade, created any = &backend.FadeIn{Duration: time.Minute, Exponent: 2}, &backend.EndpointCreated{Address: "http://a:80", When: when}
	fs, ok1 := fade.(fadeInSetting)
	cs, ok2 := created.(creationTime)
	if !ok1 || !ok2 {
		// Pending in filters/backend: FadeIn.FadeInSetting and
		// EndpointCreated.Created; until then fade-in is not read.
		t.Skip("filters/backend does not offer FadeInSetting/Created yet")
	}
	if d, k := fs.FadeInSetting(); d != time.Minute || k != 2 {
		t.Errorf("FadeInSetting() = %v, %v", d, k)
	}
	if a, w := cs.Created(); a != "http://a:80" || !w.Equal(when) {
		t.Errorf("Created() = %v, %v", a, w)
	}
}

func TestFadeInScore(t *testing.T) {
	d := int64(10 * time.Second)
	for _, tc := range []struct {
		age    time.Duration
		k      float64
		score  float64
		fading bool
	}{
		{-time.Second, 1, 1, false},
		{0, 1, 1, false},
		{time.Nanosecond, 1, 1e-10, true},
		{2500 * time.Millisecond, 1, 0.25, true},
		{5 * time.Second, 2, 0.25, true},
		{5 * time.Second, 0.5, math.Sqrt(0.5), true},
		{5 * time.Second, 1.5, math.Pow(0.5, 1.5), true},
		{10 * time.Second, 1, 1, false},
		{time.Hour, 2, 1, false},
	} {
		s, fading := fadeIn{duration: d, exponent: tc.k}.score(int64(tc.age))
		if math.Abs(s-tc.score) > 1e-12 || fading != tc.fading {
			t.Errorf("age %v, exponent %v: %v %v, want %v %v", tc.age, tc.k, s, fading, tc.score, tc.fading)
		}
	}
}

func TestFadeInOf(t *testing.T) {
	when := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	fade := func(d time.Duration, k float64) *routing.RouteFilter {
		return &routing.RouteFilter{Name: "fadeIn", Filter: testFadeIn{d, k}}
	}
	createdAt := func(addr string) *routing.RouteFilter {
		return &routing.RouteFilter{Name: "endpointCreated", Filter: testCreated{addr, when}}
	}
	other := &routing.RouteFilter{Name: "status"} // a filter of no interest
	for _, tc := range []struct {
		name    string
		filters []*routing.RouteFilter
		fade    fadeIn
		created []created
	}{
		{"none", nil, fadeIn{}, nil},
		{"fadeIn", []*routing.RouteFilter{other, fade(time.Minute, 1.5)}, fadeIn{int64(time.Minute), 1.5}, nil},
		{"last fadeIn wins", []*routing.RouteFilter{fade(time.Minute, 2), fade(time.Second, 1)}, fadeIn{int64(time.Second), 1}, nil},
		{"zero duration is off", []*routing.RouteFilter{fade(time.Minute, 2), fade(0, 1)}, fadeIn{}, nil},
		{"default exponent", []*routing.RouteFilter{fade(time.Minute, 0)}, fadeIn{int64(time.Minute), 1}, nil},
		{"endpointCreated", []*routing.RouteFilter{createdAt("http://10.0.0.1:8080"), fade(time.Minute, 1), createdAt("http://[::1]:80")},
			fadeIn{int64(time.Minute), 1}, []created{{"10.0.0.1:8080", when}, {"[::1]:80", when}}},
		{"endpointCreated without fadeIn", []*routing.RouteFilter{createdAt("http://10.0.0.1:8080")}, fadeIn{}, nil},
	} {
		f, c := fadeInOf(tc.filters)
		if f != tc.fade || len(c) != len(tc.created) {
			t.Errorf("%s: %+v %+v, want %+v %+v", tc.name, f, c, tc.fade, tc.created)
			continue
		}
		for i := range c {
			if c[i] != tc.created[i] {
				t.Errorf("%s: created %+v, want %+v", tc.name, c[i], tc.created[i])
			}
		}
	}
}

// share measures the new endpoint's share of requests over the second
// that starts at the clock's time, relative to a full share (one half of
// two), and the mean fade-in score over the same instants.
func share(b *Balancer, clock *fakeClock, host string, f fadeIn, detected time.Time) (got, want float64) {
	const n = 20000
	start := clock.Time()
	hits := 0
	var sum float64
	for j := range n {
		at := start.Add(time.Duration(j)*time.Second/n + time.Second/(2*n))
		clock.Set(at)
		if b.Select(nil, nil, nil).Host == host {
			hits++
		}
		s, _ := f.score(int64(at.Sub(detected)))
		sum += s
	}
	clock.Set(start.Add(time.Second))
	return float64(hits) / (n / 2), sum / n
}

// TestFadeInCurve adds an endpoint to a pool with fadeIn(10s, k) and
// measures its share second by second: it follows (t/D)^k within 4 points
// and is a full share from D on.
func TestFadeInCurve(t *testing.T) {
	for _, k := range []float64{1, 2} {
		clock := newClock()
		reg, _ := registry(clock)
		f := fadeIn{duration: int64(10 * time.Second), exponent: k}
		all := eps(2)
		b := newBalancer(reg, settings{algo: algoRoundRobin, fade: f}, all[:1])
		clock.Add(time.Hour)
		b.UpdateEndpoints(all)
		added := clock.Time()
		if got := b.Members()[1].Endpoint.Detected(); !got.Equal(added) {
			t.Fatalf("new endpoint detected %v, want %v", got, added)
		}
		for sec := range 12 {
			got, want := share(b, clock, all[1].Host, f, added)
			if math.Abs(got-want) > 0.04 {
				t.Errorf("k=%v, second %d: share %.3f, want %.3f ± 0.04", k, sec, got, want)
			}
		}
	}
}

// TestFadeInEndpointCreated: an endpointCreated time later than the
// endpoint's detection restarts its curve; earlier and future times
// change nothing.
func TestFadeInEndpointCreated(t *testing.T) {
	clock := newClock()
	reg, _ := registry(clock)
	all := eps(2)
	newHost := all[1].Host
	pp := NewPostProcessor(reg)
	route := func(when time.Time) *routing.Route {
		return &routing.Route{Id: "r", BackendType: eskip.LBBackend, LBEndpoints: all, Filters: []*routing.RouteFilter{
			{Name: "fadeIn", Filter: testFadeIn{10 * time.Second, 1}},
			{Name: "endpointCreated", Filter: testCreated{"http://" + newHost, when}},
		}}
	}
	build := func(when time.Time) *Balancer {
		kept, invalid := pp.Do([]*routing.Route{route(when)})
		if len(kept) != 1 || len(invalid) != 0 {
			t.Fatalf("post-processor: %v %v", kept, invalid)
		}
		return kept[0].Balancer.(*Balancer)
	}
	first := clock.Time()
	b := build(first.Add(-time.Hour)) // created before it was seen: no effect
	clock.Add(time.Minute)
	f := fadeIn{duration: int64(10 * time.Second), exponent: 1}
	if got, _ := share(b, clock, newHost, f, first); math.Abs(got-1) > 0.04 {
		t.Fatalf("old endpoint has share %.3f, want 1", got)
	}

	recreated := clock.Time().Add(-2 * time.Second)
	b = build(recreated)
	if got := b.Members()[1].Endpoint.Detected(); !got.Equal(recreated) {
		t.Fatalf("detected %v, want the endpointCreated time %v", got, recreated)
	}
	if got, want := share(b, clock, newHost, f, recreated); math.Abs(got-want) > 0.04 || want > 0.3 {
		t.Errorf("after endpointCreated: share %.3f, want %.3f ± 0.04", got, want)
	}

	b = build(clock.Time().Add(time.Hour)) // in the future: unknown
	if got := b.Members()[1].Endpoint.Detected(); !got.Equal(recreated) {
		t.Errorf("a future endpointCreated time moved detection to %v", got)
	}
}

// TestFadeInYoungPool: when every endpoint is fading in, the draw hides
// all or none of them, and all take requests evenly.
func TestFadeInYoungPool(t *testing.T) {
	clock := newClock()
	reg, log := registry(clock)
	b := newBalancer(reg, settings{algo: algoRoundRobin, fade: fadeIn{duration: int64(10 * time.Second), exponent: 1}}, eps(2))
	clock.Add(time.Second)
	counts := picks(b, 1000)
	if counts[0] != 500 || counts[1] != 500 {
		t.Errorf("picks %v, want 500 each", counts)
	}
	if log.count("level=") != 0 {
		t.Error("fade-in of a new pool was logged")
	}
}

// TestFadeInConsistentHash: a fading endpoint's keys go to the next ring
// position when the draw hides it.
func TestFadeInConsistentHash(t *testing.T) {
	clock := newClock()
	reg, _ := registry(clock)
	f := fadeIn{duration: int64(10 * time.Second), exponent: 1}
	all := eps(3)
	b := newBalancer(reg, settings{algo: algoConsistentHash, fade: f}, all[:2])
	clock.Add(time.Hour)
	b.UpdateEndpoints(all)
	clock.Add(3 * time.Second) // score 0.3
	owner := balancer(algoConsistentHash, 3)
	key := ""
	for k := 0; key == ""; k++ { // a key the new endpoint owns
		if k == 1000 {
			t.Fatal("the new endpoint owns none of 1000 keys")
		}
		bag := map[string]any{filters.ConsistentHashKey: fmt.Sprint("user-", k)}
		if owner.Select(nil, bag, nil).Host == all[2].Host {
			key = bag[filters.ConsistentHashKey].(string)
		}
	}
	hits := 0
	const n = 10000
	for range n {
		if b.Select(nil, map[string]any{filters.ConsistentHashKey: key}, nil).Host == all[2].Host {
			hits++
		}
	}
	if got := float64(hits) / n; math.Abs(got-0.3) > 0.03 {
		t.Errorf("fading endpoint got its key %.3f of the time, want 0.3", got)
	}
}
