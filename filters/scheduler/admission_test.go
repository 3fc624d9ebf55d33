package scheduler

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// fakeTime drives a registry's clock and random numbers.
type fakeTime struct {
	mu  sync.Mutex
	now time.Time
	r   float64
}

func (f *fakeTime) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fakeTime) rand() float64    { f.mu.Lock(); defer f.mu.Unlock(); return f.r }
func (f *fakeTime) add(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func fakeRegistry() (*Registry, *fakeTime) {
	ft := &fakeTime{now: time.Unix(1000, 0), r: 0.5}
	reg := NewRegistry(Options{})
	reg.base, reg.clock, reg.rand = ft.now, ft.clock, ft.rand
	return reg, ft
}

// TestPReject pins skipper's formula: with d 1s and window size 5 (a
// factor of 0.2 from requests to requests per second), minRps 10,
// threshold 0.95, max reject probability 0.9, exponent 0.5.
func TestPReject(t *testing.T) {
	reg, _ := fakeRegistry()
	f := create(t, reg, "admissionControl", "app", "active", "1s", 5.0, 10.0, 0.95, 0.9, 0.5).(*admissionFilter)
	lin := create(t, reg, "admissionControl", "app", "active", "1s", 1.0, 0.0, 1.0, 1.0, 1.0).(*admissionFilter)
	for _, tc := range []struct {
		f              *admissionFilter
		total, success float64
		want           float64
	}{
		{f, 40, 0, -1},    // 8 rps, below minRps
		{f, 100, 100, -1}, // all fine
		{f, 100, 96, -1},  // above the threshold
		{f, 100, 95, 0},   // at the threshold
		{f, 100, 50, 0.6848315616615792},
		{f, 100, 0, 0.9}, // capped
		{lin, 50, 25, 25.0 / 51},
		{lin, 0, 0, 0},
		{lin, 1, 0, 0.5},
	} {
		got := tc.f.pReject(tc.total, tc.success)
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("total %v success %v: %v, want %v", tc.total, tc.success, got, tc.want)
		}
	}
}

// TestWindow: the sums cover the last size complete periods.
func TestWindow(t *testing.T) {
	w := newWindow(time.Second, 3)
	at := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	w.add(at(0.1), true)
	w.add(at(0.2), false)
	if tot, ok := w.sums(at(0.9)); tot != 0 || ok != 0 {
		t.Errorf("period under way counted: %d %d", tot, ok)
	}
	w.add(at(1.5), false)
	for _, tc := range []struct {
		at        float64
		total, ok int64
	}{
		{1.9, 2, 1},
		{2.0, 3, 1},
		{3.5, 3, 1},
		{4.0, 1, 0}, // period 0 left the window
		{5.0, 0, 0},
		{100, 0, 0},
	} {
		if tot, ok := w.sums(at(tc.at)); tot != tc.total || ok != tc.ok {
			t.Errorf("at %vs: %d %d, want %d %d", tc.at, tot, ok, tc.total, tc.ok)
		}
	}
	// Slots of long-gone periods do not count when reused.
	w.add(at(100.5), true)
	if tot, ok := w.sums(at(101)); tot != 1 || ok != 1 {
		t.Errorf("after a gap: %d %d", tot, ok)
	}
}

func admissionRequest(t *testing.T, f *admissionFilter, backendStatus int) *filtertest.Context {
	t.Helper()
	c := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	c.FRouteId = "app"
	f.Request(c)
	if !c.Served() {
		c.FResponse = &http.Response{StatusCode: backendStatus, Header: http.Header{}, Body: http.NoBody}
	}
	f.Response(c)
	return c
}

// TestAdmissionRejectsAndRecovers: a failing backend makes the filter
// reject, a rejection is 503 with the Admission-Control header and is not
// counted, and once the failures have left the window it lets requests
// through again.
func TestAdmissionRejectsAndRecovers(t *testing.T) {
	reg, ft := fakeRegistry()
	f := create(t, reg, "admissionControl", "app", "active", "1s", 3.0, 0.0, 0.95, 0.9, 1.0).(*admissionFilter)
	for range 100 {
		if c := admissionRequest(t, f, 500); c.Served() {
			t.Fatal("rejected with an empty window")
		}
	}
	ft.add(time.Second)
	c := admissionRequest(t, f, 200)
	wantServed(t, c, 503, "Service Unavailable\n")
	if got := c.FResponse.Header.Get("Admission-Control"); got != "true" {
		t.Errorf("Admission-Control %q", got)
	}
	if got := c.FMetrics.(*filtertest.Metrics).Counter("shedder.admission_control.reject.app"); got != 1 {
		t.Errorf("reject counter %d", got)
	}
	st := f.stats(reg.since())
	if st.Total != 100 || st.Success != 0 || st.RejectProbability != 0.9 || st.Rejected != 1 || st.Requests != 101 || st.Route != "app" {
		t.Errorf("stats %+v", st)
	}
	// Below the reject probability, requests pass.
	ft.r = 0.95
	if c := admissionRequest(t, f, 200); c.Served() {
		t.Fatal("rejected above the probability")
	}
	ft.r = 0.5
	// The failures leave the window (3 periods); the successes counted
	// meanwhile make it pass.
	ft.add(3 * time.Second)
	for range 10 {
		if c := admissionRequest(t, f, 200); c.Served() {
			t.Fatal("still rejecting after recovery")
		}
	}
	ft.add(time.Second)
	if st := f.stats(reg.since()); st.Total != 10 || st.Success != 10 || st.RejectProbability != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestAdmissionInactive: the inactive modes decide but do not reject;
// logInactive logs the numbers.
func TestAdmissionInactive(t *testing.T) {
	for _, mode := range []string{"inactive", "logInactive"} {
		reg, ft := fakeRegistry()
		f := create(t, reg, "admissionControl", "app", mode, "1s", 1.0, 0.0, 1.0, 1.0, 1.0).(*admissionFilter)
		for range 10 {
			admissionRequest(t, f, 503)
		}
		ft.add(time.Second)
		c := admissionRequest(t, f, 503)
		if c.Served() {
			t.Errorf("%s: rejected", mode)
		}
		if st := f.stats(reg.since()); st.Rejected != 1 || st.Mode != mode {
			t.Errorf("%s: stats %+v", mode, st)
		}
		ft.add(time.Second)
		// A request it would have rejected is not counted.
		if st := f.stats(reg.since()); st.Total != 0 {
			t.Errorf("%s: counted %+v", mode, st)
		}
		logged := strings.Join(c.Log, "\n")
		if mode == "logInactive" && !strings.Contains(logged, "admissionControl: total 10, success 0, threshold 1, minRps 0: p 0.91, r 0.50") {
			t.Errorf("log %q", logged)
		}
		if mode == "inactive" && logged != "" {
			t.Errorf("inactive logged %q", logged)
		}
	}
}

// TestAdmissionIgnoresOtherShedders: a 503 that another admission control
// produced (its header) is not the backend's failure; error responses
// are.
func TestAdmissionIgnoresOtherShedders(t *testing.T) {
	reg, ft := fakeRegistry()
	f := create(t, reg, "admissionControl", "app", "active", "1s", 1.0, 0.0, 1.0, 1.0, 1.0).(*admissionFilter)
	c := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f.Request(c)
	c.FResponse = &http.Response{StatusCode: 503, Header: http.Header{"Admission-Control": {"true"}}, Body: http.NoBody}
	f.Response(c)
	c = filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f.Request(c)
	f.Response(c) // no response: nothing counted, no panic
	admissionRequest(t, f, 499)
	admissionRequest(t, f, 498)
	ft.add(time.Second)
	if st := f.stats(reg.since()); st.Total != 2 || st.Success != 1 {
		t.Errorf("stats %+v", st)
	}
	if !f.HandleErrorResponse() {
		t.Error("error responses not seen")
	}
	f.Close()
	if n := len(reg.Snapshot().AdmissionControl); n != 0 {
		t.Errorf("%d left on /queues after Close", n)
	}
}
