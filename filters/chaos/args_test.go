package chaos

import (
	"math"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestSpecNames(t *testing.T) {
	want := []string{"latency", "bandwidth", "chunks", "backendLatency", "backendBandwidth", "backendChunks",
		"uniformRequestLatency", "normalRequestLatency", "uniformResponseLatency", "normalResponseLatency",
		"histogramRequestLatency", "histogramResponseLatency", "tarpit", "absorb", "absorbSilent"}
	got := Specs()
	if len(got) != len(want) {
		t.Fatalf("%d specs, want %d", len(got), len(want))
	}
	for i, s := range got {
		if s.Name() != want[i] {
			t.Errorf("spec %d is %s, want %s", i, s.Name(), want[i])
		}
	}
}

// TestBadArgs holds skipper's rejected cases (filters/diag tests) and the
// ones skiff adds, with the error each gets.
func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"latency", nil, "want 1 argument(s), got 0"},
		{"latency", []any{1.0, 2.0}, "want 1 argument(s), got 2"},
		{"latency", []any{"foo"}, `argument 1 (latency) "foo" is not a duration`},
		{"latency", []any{-1.0}, "argument 1 (latency) must not be negative, got -1"},
		{"latency", []any{"-42us"}, "argument 1 (latency) must not be negative, got -42us"},
		{"latency", []any{true}, "argument 1 (latency) must be a duration string or a number of milliseconds, got bool true"},
		{"latency", []any{math.NaN()}, "argument 1 (latency) out of range"},
		{"latency", []any{1e300}, "argument 1 (latency) out of range"},
		{"backendLatency", nil, "want 1 argument(s), got 0"},
		{"backendLatency", []any{1.0, 2.0}, "want 1 argument(s), got 2"},
		{"backendLatency", []any{"foo"}, `"foo" is not a duration`},
		{"backendLatency", []any{-1.0}, "must not be negative"},
		{"backendLatency", []any{"-42us"}, "must not be negative"},
		{"bandwidth", nil, "want 1 argument(s), got 0"},
		{"bandwidth", []any{1.0, 2.0}, "want 1 argument(s), got 2"},
		{"bandwidth", []any{"foo"}, "argument 1 (kb/s) must be a number, got string foo"},
		{"bandwidth", []any{0.0}, "argument 1 (kb/s) must be a number above zero, got 0"},
		{"bandwidth", []any{-1.0}, "argument 1 (kb/s) must be a number above zero, got -1"},
		{"bandwidth", []any{math.Inf(1)}, "must be a number above zero"},
		{"bandwidth", []any{math.NaN()}, "must be a number above zero"},
		{"backendBandwidth", nil, "want 1 argument(s)"},
		{"backendBandwidth", []any{1.0, 2.0}, "want 1 argument(s)"},
		{"backendBandwidth", []any{"foo"}, "must be a number"},
		{"backendBandwidth", []any{0.0}, "above zero"},
		{"backendBandwidth", []any{-1.0}, "above zero"},
		{"chunks", []any{1.0}, "want 2 argument(s), got 1"},
		{"chunks", []any{1.0, 2.0, 3.0}, "want 2 argument(s), got 3"},
		{"chunks", []any{"foo", 2.0}, "argument 1 (chunk size) must be a number, got string foo"},
		{"chunks", []any{1.0, "foo"}, `argument 2 (delay) "foo" is not a duration`},
		{"chunks", []any{0.0, 2.0}, "argument 1 (chunk size) must be a number of bytes from 1 to 2147483647, got 0"},
		{"chunks", []any{-1.0, 2.0}, "chunk size) must be a number of bytes"},
		{"chunks", []any{0.5, 2.0}, "chunk size) must be a number of bytes"},
		{"chunks", []any{1.0, -2.0}, "argument 2 (delay) must not be negative, got -2"},
		{"chunks", []any{1.0, "-42us"}, "argument 2 (delay) must not be negative"},
		{"backendChunks", []any{1.0}, "want 2 argument(s)"},
		{"backendChunks", []any{1.0, 2.0, 3.0}, "want 2 argument(s)"},
		{"backendChunks", []any{"foo", 2.0}, "chunk size"},
		{"backendChunks", []any{1.0, "foo"}, "is not a duration"},
		{"backendChunks", []any{0.0, 2.0}, "chunk size"},
		{"backendChunks", []any{-1.0, 2.0}, "chunk size"},
		{"backendChunks", []any{1.0, -2.0}, "must not be negative"},
		{"backendChunks", []any{1.0, "-42us"}, "must not be negative"},
		{"uniformRequestLatency", nil, "want 2 argument(s), got 0"},
		{"uniformRequestLatency", []any{"1s", "1s", 0.4}, "want 2 argument(s), got 3"},
		{"uniformRequestLatency", []any{"1s", "1s", 0.5, 0.1}, "want 2 argument(s), got 4"},
		{"uniformRequestLatency", []any{"x", "1s"}, `argument 1 (mean) "x" is not a duration`},
		{"uniformRequestLatency", []any{"1s", "-1s"}, "argument 2 (delta) must not be negative"},
		{"normalRequestLatency", []any{"1s", "y"}, `argument 2 (standard deviation) "y" is not a duration`},
		{"uniformResponseLatency", []any{"1s"}, "want 2 argument(s), got 1"},
		{"normalResponseLatency", []any{-5.0, "1s"}, "argument 1 (mean) must not be negative"},
		{"tarpit", nil, "want 1 argument(s), got 0"},
		{"tarpit", []any{"no-time-duration"}, `argument 1 (interval) "no-time-duration" is not a duration`},
		{"tarpit", []any{10.0}, "argument 1 (interval) must be a duration string, got float64 10"},
		{"tarpit", []any{"10s", "10ms"}, "want 1 argument(s), got 2"},
		{"tarpit", []any{"0s"}, "argument 1 (interval) must be above zero, got 0s"},
		{"tarpit", []any{"-1s"}, "must be above zero"},
	} {
		filtertest.CreateFails(t, spec(t, tc.filter), tc.args, tc.want)
	}
}

// TestHistogramBadArgs runs skipper's list of rejected histograms, as eskip
// text, against both histogram filters.
func TestHistogramBadArgs(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{``, "want an odd number of arguments, at least 3 (boundary, weight, boundary[, weight, boundary]...), got 0"},
		{`1`, "got 1"},
		{`"0ms", 1`, "got 2"},
		{`"0ms", 1, "0ms"`, `argument 3 (boundary) 0ms must be above the boundary before it, 0s`},
		{`"0ms", 1, "1ms", 2`, "got 4"},
		{`"0ms", 1, "1ms", 2, "-2ms"`, "argument 5 (boundary) must not be negative, got -2ms"},
		{`"0ms", 1, "1ms", 2, "1ms"`, "argument 5 (boundary) 1ms must be above the boundary before it, 1ms"},
		{`"0ms", "1", "1ms"`, "argument 2 (weight) must be a number, got string 1"},
		{`"0ms", 1, 1`, "argument 3 (boundary) must be a duration string, got float64 1"},
		{`"-1ms", 1, "1ms"`, "argument 1 (boundary) must not be negative"},
		{`"0ms", 0, "1ms"`, "the weights must add up to a finite number above zero, got 0"},
		{`"0ms", 0, "1ms", 0, "2ms"`, "the weights must add up to a finite number above zero, got 0"},
		{`"0ms", -1, "1ms", 2, "2ms"`, "argument 2 (weight) must be a number of zero or more, got -1"},
		{`"x", 1, "1ms"`, `argument 1 (boundary) "x" is not a duration`},
	} {
		for _, name := range []string{"histogramRequestLatency", "histogramResponseLatency"} {
			ff, err := eskip.ParseFilters(name + "(" + tc.args + ")")
			if err != nil || len(ff) != 1 {
				t.Fatalf("%s(%s): %v", name, tc.args, err)
			}
			filtertest.CreateFails(t, spec(t, name), ff[0].Args, tc.want)
		}
	}
}

// TestGoodArgs checks what the accepted arguments (skipper's documented
// examples among them) become.
func TestGoodArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   throttle
	}{
		{"latency", []any{120.0}, throttle{initial: ms(120)}},
		{"latency", []any{"120ms"}, throttle{initial: ms(120)}},
		{"latency", []any{0.0}, throttle{}},
		{"latency", []any{1.5}, throttle{initial: 1500 * time.Microsecond}},
		{"latency", []any{"42us"}, throttle{initial: 42 * time.Microsecond}},
		{"latency", []any{7}, throttle{initial: ms(7)}},
		{"latency", []any{time.Second}, throttle{initial: time.Second}},
		{"backendLatency", []any{120.0}, throttle{backend: true, initial: ms(120)}},
		// 30 KiB/s: the first 512 bytes take 1/60 s; reads of 512 bytes
		{"bandwidth", []any{30.0}, throttle{kind: bandwidthKind, rate: 30720, initial: time.Second / 60, chunk: 512, burst: time.Second / 60}},
		{"bandwidth", []any{0.5}, throttle{kind: bandwidthKind, rate: 512, initial: time.Second, chunk: 512, burst: time.Second}},
		// 10 MiB/s: reads of 10ms worth, 104857 bytes, capped at 64 KiB
		{"backendBandwidth", []any{10240.0}, throttle{kind: bandwidthKind, backend: true, rate: 10 << 20, initial: 48828, chunk: 64 << 10, burst: 6250 * time.Microsecond}},
		{"chunks", []any{1024.0, "120ms"}, throttle{kind: chunksKind, chunk: 1024, delay: ms(120), initial: ms(120)}},
		{"chunks", []any{1024.0, "0"}, throttle{kind: chunksKind, chunk: 1024}},
		{"chunks", []any{1.0, 2.0}, throttle{kind: chunksKind, chunk: 1, delay: ms(2), initial: ms(2)}},
		{"chunks", []any{1.7, "42us"}, throttle{kind: chunksKind, chunk: 1, delay: 42 * time.Microsecond, initial: 42 * time.Microsecond}},
		{"backendChunks", []any{1024.0, 120.0}, throttle{kind: chunksKind, backend: true, chunk: 1024, delay: ms(120), initial: ms(120)}},
	} {
		f := filtertest.Create(t, spec(t, tc.filter), tc.args...).(*throttle)
		got := *f
		got.env = env{}
		if got != tc.want {
			t.Errorf("%s%v: got %+v, want %+v", tc.filter, tc.args, got, tc.want)
		}
	}

	for _, tc := range []struct {
		filter      string
		args        []any
		mean, delta time.Duration
	}{
		{"uniformRequestLatency", []any{"1s", "120ms"}, time.Second, ms(120)},
		{"normalRequestLatency", []any{"1s", "1s"}, time.Second, time.Second},
		{"uniformResponseLatency", []any{"100ms", "10ms"}, ms(100), ms(10)},
		{"normalResponseLatency", []any{10.0, 5.0}, ms(10), ms(5)},
		{"normalResponseLatency", []any{0.0, "0s"}, 0, 0},
	} {
		f := filtertest.Create(t, spec(t, tc.filter), tc.args...).(*jitter)
		if f.mean != tc.mean || f.delta != tc.delta {
			t.Errorf("%s%v: mean %v delta %v", tc.filter, tc.args, f.mean, f.delta)
		}
	}

	f := filtertest.Create(t, spec(t, "histogramRequestLatency"), "0ms", 50.0, "5ms", 0.0, "10ms", 30.0, "15ms", 20.0, "20ms").(*histogram)
	if want := []time.Duration{0, ms(5), ms(10), ms(15), ms(20)}; !equal(f.bounds, want) {
		t.Errorf("bounds %v", f.bounds)
	}
	if want := []float64{50, 50, 80, 100}; !equal(f.cumulative, want) {
		t.Errorf("cumulative weights %v", f.cumulative)
	}

	if tp := filtertest.Create(t, spec(t, "tarpit"), "1s").(*tarpit); tp.interval != time.Second {
		t.Errorf("tarpit interval %v", tp.interval)
	}
	for _, name := range []string{"absorb", "absorbSilent"} {
		filtertest.Create(t, spec(t, name))
		filtertest.Create(t, spec(t, name), "ignored", 1.0) // skipper ignores arguments
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
