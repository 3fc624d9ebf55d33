package chaos

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// TestJitterExact: with a predictable random source the waits are exact:
// uniform is mean + (2u-1)·delta, normal is mean + z·σ, and a draw below
// zero waits nothing.
func TestJitterExact(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []any
		rnd   fakeRandom
		waits []time.Duration
	}{
		{"uniformRequestLatency", []any{"100ms", "10ms"}, fakeRandom{floats: []float64{0, 0.5, 0.75}}, durations(ms(90), ms(100), ms(105))},
		{"uniformResponseLatency", []any{100.0, 10.0}, fakeRandom{floats: []float64{0.25, 0.999}}, durations(ms(95), ms(109.98), ms(90))},
		{"uniformRequestLatency", []any{"5ms", "10ms"}, fakeRandom{floats: []float64{0, 0.25, 1}}, durations(ms(15))},
		{"normalRequestLatency", []any{"10ms", "5ms"}, fakeRandom{norms: []float64{1, -1, 0}}, durations(ms(15), ms(5), ms(10))},
		{"normalResponseLatency", []any{"10ms", "5ms"}, fakeRandom{norms: []float64{-3, 2.5}}, durations(ms(22.5), ms(10))},
	} {
		clk := newFakeClock()
		rnd := tc.rnd
		f := filtertest.Create(t, fakeSpec(t, tc.name, clk, &rnd), tc.args...)
		ctx, _ := newCtx(t, "GET", "")
		ctx.FResponse = response("x")
		for range 3 {
			f.Request(ctx)
			f.Response(ctx)
		}
		if w := clk.waits(); !equal(w, tc.waits) {
			t.Errorf("%s%v: waits %v, want %v", tc.name, tc.args, w, tc.waits)
		}
		if ctx.Served() || filtertest.Body(t, ctx.FResponse) != "x" {
			t.Errorf("%s touched the request or response", tc.name)
		}
	}
}

// percentiles draws n latencies of the filter and returns the p10, p25,
// p50, p75 and p90 values.
func percentiles(t *testing.T, name string, args []any, n int) [5]time.Duration {
	t.Helper()
	f := filtertest.Create(t, spec(t, name), args...).(*jitter)
	w := make([]time.Duration, n)
	for i := range w {
		w[i] = f.sample()
	}
	slices.Sort(w)
	var p [5]time.Duration
	for i, q := range []int{10, 25, 50, 75, 90} {
		p[i] = w[q*n/100]
	}
	return p
}

// TestJitterDistribution draws skipper's examples 10,000 times: uniform
// 10ms±5ms has its percentiles on a straight line from 5ms to 15ms, normal
// µ=10ms σ=5ms at µ+zσ with z = -1.28, -0.67, 0, 0.67, 1.28. The
// tolerance fails a filter that ignores delta or draws from the wrong
// distribution (uniform's p10 is 6ms, normal's 3.6ms).
func TestJitterDistribution(t *testing.T) {
	for _, tc := range []struct {
		name string
		want [5]time.Duration
	}{
		{"uniformRequestLatency", [5]time.Duration{ms(6), ms(7.5), ms(10), ms(12.5), ms(14)}},
		{"uniformResponseLatency", [5]time.Duration{ms(6), ms(7.5), ms(10), ms(12.5), ms(14)}},
		{"normalRequestLatency", [5]time.Duration{ms(3.59), ms(6.63), ms(10), ms(13.37), ms(16.41)}},
		{"normalResponseLatency", [5]time.Duration{ms(3.59), ms(6.63), ms(10), ms(13.37), ms(16.41)}},
	} {
		got := percentiles(t, tc.name, []any{"10ms", "5ms"}, 10000)
		for i := range got {
			if d := got[i] - tc.want[i]; d < -ms(0.6) || d > ms(0.6) {
				t.Errorf("%s: percentiles %v, want %v ± 0.6ms", tc.name, got, tc.want)
				break
			}
		}
	}
}

// TestHistogramExact: the random number picks the bucket by the weights'
// running sums, the second the place in the bucket.
func TestHistogramExact(t *testing.T) {
	args := []any{"0ms", 50.0, "5ms", 0.0, "10ms", 30.0, "15ms", 20.0, "20ms"} // skipper's example
	for _, tc := range []struct {
		u, frac float64
		want    time.Duration
	}{
		{0, 0, 0},
		{0.49, 0.5, ms(2.5)},
		{0.5, 0, ms(10)}, // the empty bucket 5-10ms is skipped
		{0.79, 0.999, ms(14.995)},
		{0.8, 0.2, ms(16)},
		{math.Nextafter(1, 0), 0.5, ms(17.5)},
	} {
		for _, name := range []string{"histogramRequestLatency", "histogramResponseLatency"} {
			clk := newFakeClock()
			rnd := &fakeRandom{floats: []float64{tc.u}, fracs: []float64{tc.frac}}
			f := filtertest.Create(t, fakeSpec(t, name, clk, rnd), args...)
			ctx, _ := newCtx(t, "GET", "")
			ctx.FResponse = response("")
			f.Request(ctx)
			f.Response(ctx)
			w := clk.waits()
			if tc.want == 0 {
				if len(w) != 0 {
					t.Errorf("%s u=%v: waits %v, want none", name, tc.u, w)
				}
				continue
			}
			if !equal(w, durations(tc.want)) {
				t.Errorf("%s u=%v frac=%v: waits %v, want %v", name, tc.u, tc.frac, w, tc.want)
			}
		}
	}

	// rounding: a draw at the very top of the range, after a last bucket
	// without weight, lands in the last bucket that has one
	f := filtertest.Create(t, fakeSpec(t, "histogramRequestLatency", newFakeClock(), nil), "1ms", 1.0, "2ms", 0.0, "3ms").(*histogram)
	f.rand = &fakeRandom{floats: []float64{1}, fracs: []float64{0}}
	if d := f.sample(); d != ms(1) {
		t.Errorf("top draw: %v", d)
	}
}

// TestHistogramDistribution runs skipper's histogram cases 20,000 times:
// each bucket gets its share of the samples within 10%, an empty bucket
// none, and nothing reaches the last boundary.
func TestHistogramDistribution(t *testing.T) {
	for _, tc := range []struct {
		def  string
		want []float64
	}{
		{`histogramRequestLatency("0ms", 1, "1ms", 3, "2ms")`, []float64{0.25, 0.75}},
		{`histogramRequestLatency("1ms", 1, "2ms", 2, "3ms", 3, "10ms", 4, "20ms")`, []float64{0.1, 0.2, 0.3, 0.4}},
		{`histogramResponseLatency("1ms", 1, "2ms", 0, "3ms", 0, "10ms", 1, "20ms")`, []float64{0.5, 0, 0, 0.5}},
	} {
		defs, err := eskip.ParseFilters(tc.def)
		if err != nil {
			t.Fatal(err)
		}
		def := defs[0]
		f := filtertest.Create(t, spec(t, def.Name), def.Args...).(*histogram)
		const n = 20000
		counts := make([]int, len(tc.want))
		for range n {
			d := f.sample()
			i := 0
			for i < len(f.bounds)-1 && d >= f.bounds[i+1] {
				i++
			}
			if d < f.bounds[0] || i >= len(counts) {
				t.Fatalf("%s: sample %v outside the histogram", tc.def, d)
			}
			counts[i]++
		}
		for i, w := range tc.want {
			got := float64(counts[i]) / n
			if (w == 0 && got != 0) || math.Abs(got-w) > 0.1*w {
				t.Errorf("%s: bucket %d has %.3f of the samples, want %.3f", tc.def, i, got, w)
			}
		}
	}
}
