package scheduler

import (
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func allSpecs(reg *Registry) []filters.Spec {
	return append(Specs(reg), BackendRatelimitSpec(reg))
}

func spec(t testing.TB, reg *Registry, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, allSpecs(reg), name)
}

func TestNames(t *testing.T) {
	want := []string{"fifo", "fifoWithBody", "lifo", "lifoWithBody", "lifoGroup", "lifoGroupWithBody", "admissionControl", "backendRatelimit"}
	got := allSpecs(nil)
	if len(got) != len(want) {
		t.Fatalf("%d specs, want %d", len(got), len(want))
	}
	for i, s := range got {
		if s.Name() != want[i] {
			t.Errorf("spec %d: %s, want %s", i, s.Name(), want[i])
		}
	}
}

// TestQueueArgs: skipper's documented examples and argument rules, with
// the settings they give.
func TestQueueArgs(t *testing.T) {
	const unlimited = -1
	for _, tc := range []struct {
		name string
		args []any
		want settings
		bad  string // part of the error; "" when valid
	}{
		// skipper's examples
		{"fifo", []any{100.0, 150.0, "10s"}, settings{100, 150, 10 * time.Second}, ""},
		{"fifoWithBody", []any{100.0, 150.0, "10s"}, settings{100, 150, 10 * time.Second}, ""},
		{"lifo", []any{100.0, 150.0, "10s"}, settings{100, 150, 10 * time.Second}, ""},
		{"lifoWithBody", []any{100.0, 150.0, "10s"}, settings{100, 150, 10 * time.Second}, ""},

		// fifo: exactly three, each checked
		{"fifo", []any{1.0, 0.0, "1ms"}, settings{1, 0, time.Millisecond}, ""},
		{"fifo", []any{3, 4, 2 * time.Second}, settings{3, 4, 2 * time.Second}, ""},
		{"fifo", []any{1.0, 0.0}, settings{}, "want 3 argument(s), got 2"},
		{"fifo", []any{}, settings{}, "want 3 argument(s), got 0"},
		{"fifo", []any{0.0, 1.0, "1s"}, settings{}, "argument 1 (maxConcurrency) must be at least 1, got 0"},
		{"fifo", []any{1.0, -1.0, "1s"}, settings{}, "argument 2 (maxQueueSize) must be at least 0, got -1"},
		{"fifo", []any{1.0, 1.0, "999us"}, settings{}, "argument 3 (timeout) must be at least 1ms, got 999µs"},
		{"fifo", []any{1.0, 1.0, 10.0}, settings{}, "argument 3 (timeout) must be a duration string"},
		{"fifo", []any{1.5, 1.0, "1s"}, settings{}, "argument 1 (maxConcurrency) must be an integer"},
		{"fifo", []any{"1", 1.0, "1s"}, settings{}, "argument 1 (maxConcurrency) must be an integer"},
		{"fifo", []any{1.0, 1.0, "soon"}, settings{}, `argument 3 (timeout) "soon" is not a duration`},

		// lifo: optional, out-of-range values mean the default, a queue
		// size of 0 means no limit
		{"lifo", nil, defaultSettings, ""},
		{"lifo", []any{7.0}, settings{7, 100, 10 * time.Second}, ""},
		{"lifo", []any{7.0, 0.0}, settings{7, unlimited, 10 * time.Second}, ""},
		{"lifo", []any{0.0, -1.0, "0s"}, defaultSettings, ""},
		{"lifoWithBody", []any{-5.0, 3.0, "500us"}, settings{100, 3, 10 * time.Second}, ""},
		{"lifo", []any{1.0, 2.0, "3s", 4.0}, settings{}, "want 0 to 3 arguments, got 4"},
		{"lifo", []any{1.0, 2.0, 3.0}, settings{}, "argument 3 (timeout) must be a duration string"},
		{"lifo", []any{"x"}, settings{}, "argument 1 (maxConcurrency) must be an integer"},
	} {
		s := spec(t, NewRegistry(Options{}), tc.name)
		if tc.bad != "" {
			filtertest.CreateFails(t, s, tc.args, tc.bad)
			continue
		}
		f := filtertest.Create(t, s, tc.args...).(*routeQueueFilter)
		if f.set != tc.want {
			t.Errorf("%s%v: %+v, want %+v", tc.name, tc.args, f.set, tc.want)
		}
		wantBody := tc.name == "fifoWithBody" || tc.name == "lifoWithBody"
		wantKind := kindLifo
		if tc.name == "fifo" || tc.name == "fifoWithBody" {
			wantKind = kindFifo
		}
		if f.withBody != wantBody || f.kind != wantKind {
			t.Errorf("%s: withBody %v kind %v", tc.name, f.withBody, f.kind)
		}
	}
}

func TestGroupArgs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []any
		group string
		want  *settings // nil: the filter gives no settings
		bad   string
	}{
		// skipper's examples
		{"lifoGroup", []any{"mygroup", 100.0, 150.0, "10s"}, "mygroup", &settings{100, 150, 10 * time.Second}, ""},
		{"lifoGroupWithBody", []any{"mygroup", 100.0, 150.0, "10s"}, "mygroup", &settings{100, 150, 10 * time.Second}, ""},

		{"lifoGroup", []any{"g"}, "g", nil, ""},
		{"lifoGroup", []any{""}, "", nil, ""},
		{"lifoGroup", []any{"g", 5.0}, "g", &settings{5, 100, 10 * time.Second}, ""},
		// a queue size below 1 is the default for groups (skipper)
		{"lifoGroup", []any{"g", 5.0, 0.0}, "g", &settings{5, 100, 10 * time.Second}, ""},
		{"lifoGroup", []any{"g", 0.0, -3.0, "0s"}, "g", &defaultSettings, ""},
		{"lifoGroup", nil, "", nil, "want 1 to 4 arguments, got 0"},
		{"lifoGroup", []any{"g", 1.0, 2.0, "3s", 4.0}, "", nil, "want 1 to 4 arguments, got 5"},
		{"lifoGroup", []any{1.0}, "", nil, "argument 1 (group name) must be a string"},
		{"lifoGroup", []any{"g", "1"}, "", nil, "argument 2 (maxConcurrency) must be an integer"},
		{"lifoGroupWithBody", []any{"g", 1.0, 1.0, 1.0}, "", nil, "argument 4 (timeout) must be a duration string"},
	} {
		reg := NewRegistry(Options{})
		s := spec(t, reg, tc.name)
		if tc.bad != "" {
			filtertest.CreateFails(t, s, tc.args, tc.bad)
			if n := len(reg.Snapshot().Queues); n != 0 {
				t.Errorf("%s%v: a refused filter left %d queues", tc.name, tc.args, n)
			}
			continue
		}
		f := filtertest.Create(t, s, tc.args...).(*groupFilter)
		if f.q.key != (queueKey{kindGroup, tc.group}) {
			t.Errorf("%s%v: queue %v", tc.name, tc.args, f.q.key)
		}
		switch {
		case tc.want == nil && f.claim != nil:
			t.Errorf("%s%v: gives settings %+v", tc.name, tc.args, f.claim.set)
		case tc.want != nil && (f.claim == nil || f.claim.set != *tc.want):
			t.Errorf("%s%v: claim %+v, want %+v", tc.name, tc.args, f.claim, *tc.want)
		}
		if f.withBody != (tc.name == "lifoGroupWithBody") {
			t.Errorf("%s: withBody %v", tc.name, f.withBody)
		}
		f.Close()
	}
}

func TestAdmissionArgs(t *testing.T) {
	ok := func(args ...any) []any { return args }
	for _, tc := range []struct {
		args []any
		bad  string
	}{
		// skipper's examples (reference and code)
		{ok("myapp", "active", "1s", 5.0, 10.0, 0.95, 0.9, 0.5), ""},
		{ok("$app", "active", "1s", 5.0, 10.0, 0.1, 0.95, 0.5), ""},
		{ok("a", "inactive", "10ms", 1.0, 0.0, 1.0, 1.0, 3.0), ""},
		{ok("a", "logInactive", "1m", 100.0, -1.0, 0.5, 0.5, 1), ""},
		{ok("a", "active", "1s", 5.0, 10.0, 0.95, 0.9), "want 8 argument(s), got 7"},
		{ok(1.0, "active", "1s", 5.0, 10.0, 0.95, 0.9, 0.5), "argument 1 (metric suffix) must be a string"},
		{ok("a", "on", "1s", 5.0, 10.0, 0.95, 0.9, 0.5), `argument 2 (mode) must be "active", "inactive" or "logInactive", got "on"`},
		{ok("a", "active", 1.0, 5.0, 10.0, 0.95, 0.9, 0.5), "argument 3 (d) must be a duration string"},
		{ok("a", "active", "0s", 5.0, 10.0, 0.95, 0.9, 0.5), "argument 3 (d) must be a positive duration, got 0s"},
		{ok("a", "active", "1s", 0.0, 10.0, 0.95, 0.9, 0.5), "argument 4 (window size) must be within [1, 100], got 0"},
		{ok("a", "active", "1s", 101.0, 10.0, 0.95, 0.9, 0.5), "argument 4 (window size) must be within [1, 100], got 101"},
		{ok("a", "active", "1s", 5.0, 1.5, 0.95, 0.9, 0.5), "argument 5 (minRps) must be an integer"},
		{ok("a", "active", "1s", 5.0, 10.0, 0.0, 0.9, 0.5), "argument 6 (success threshold) must be within (0, 1], got 0"},
		{ok("a", "active", "1s", 5.0, 10.0, 1.5, 0.9, 0.5), "argument 6 (success threshold) must be within (0, 1], got 1.5"},
		{ok("a", "active", "1s", 5.0, 10.0, 0.95, 0.0, 0.5), "argument 7 (max reject probability) must be within (0, 1], got 0"},
		{ok("a", "active", "1s", 5.0, 10.0, 0.95, "x", 0.5), "argument 7 (max reject probability) must be a number"},
		{ok("a", "active", "1s", 5.0, 10.0, 0.95, 0.9, 0.0), "argument 8 (exponent) must be above 0, got 0"},
		{ok("a", "active", "1s", 5.0, 10.0, 0.95, 0.9, -1.0), "argument 8 (exponent) must be above 0, got -1"},
	} {
		reg := NewRegistry(Options{})
		filtertest.CheckCreate(t, spec(t, reg, "admissionControl"), tc.args, tc.bad)
	}
	f := filtertest.Create(t, spec(t, NewRegistry(Options{}), "admissionControl"), "myapp", "active", "1s", 5.0, 10.0, 0.95, 0.9, 0.5).(*admissionFilter)
	if f.suffix != "myapp" || f.mode != modeActive || f.window.d != time.Second || len(f.window.slots) != 5 ||
		f.minRps != 10 || f.threshold != 0.95 || f.maxReject != 0.9 || f.exponent != 0.5 || f.rpsFactor != 0.2 {
		t.Errorf("filter %+v", f)
	}
}

func TestBackendRatelimitArgs(t *testing.T) {
	for _, tc := range []struct {
		args   []any
		key    limiterKey
		status int
		bad    string
	}{
		// skipper's examples
		{[]any{"foobar", 100.0, "1s"}, limiterKey{"foobar", 100, time.Second}, 503, ""},
		{[]any{"foo", 40.0, "1s"}, limiterKey{"foo", 40, time.Second}, 503, ""},
		{[]any{"baz", 100.0, "1s", 429.0}, limiterKey{"baz", 100, time.Second}, 429, ""},
		// a number of seconds, as skipper reads it
		{[]any{"g", 1.0, 60.0}, limiterKey{"g", 1, time.Minute}, 503, ""},
		{[]any{"g", 1.0}, limiterKey{}, 0, "want 3 to 4 arguments, got 2"},
		{[]any{1.0, 1.0, "1s"}, limiterKey{}, 0, "argument 1 (group) must be a string"},
		{[]any{"g", 0.0, "1s"}, limiterKey{}, 0, "argument 2 must be a positive integer, got 0"},
		{[]any{"g", 1.5, "1s"}, limiterKey{}, 0, "argument 2 must be a positive integer, got 1.5"},
		{[]any{"g", 1.0, "0s"}, limiterKey{}, 0, "argument 3 must be a positive duration"},
		{[]any{"g", 1.0, "x"}, limiterKey{}, 0, "argument 3: time: invalid duration"},
		{[]any{"g", 1.0, "1s", 99.0}, limiterKey{}, 0, "argument 4 (status code) out of range 100-999: 99"},
	} {
		reg := NewRegistry(Options{})
		s := spec(t, reg, "backendRatelimit")
		if tc.bad != "" {
			filtertest.CreateFails(t, s, tc.args, tc.bad)
			continue
		}
		f := filtertest.Create(t, s, tc.args...).(*backendRatelimitFilter)
		if f.lim.key != tc.key || f.status != tc.status {
			t.Errorf("%v: key %+v status %d", tc.args, f.lim.key, f.status)
		}
	}
}

// TestArgsNeverPanic gives every filter combinations of odd arguments.
func TestArgsNeverPanic(t *testing.T) {
	pool := []any{nil, "", "x", "1s", "-1s", "active", 0.0, -1.0, 1.0, 1e300, 0.5, 1, int64(-3), time.Second, []any{}, map[string]any{}}
	reg := NewRegistry(Options{})
	for _, s := range allSpecs(reg) {
		for n := 0; n <= 8; n++ {
			args := make([]any, n)
			for i := range pool {
				for j := range args {
					args[j] = pool[(i+j*3)%len(pool)]
				}
				func() {
					defer func() {
						if v := recover(); v != nil {
							t.Fatalf("%s%v panicked: %v", s.Name(), args, v)
						}
					}()
					if f, err := s.CreateFilter(args); err == nil {
						if c, ok := f.(filters.Closer); ok {
							c.Close()
						}
					}
				}()
			}
		}
	}
}
