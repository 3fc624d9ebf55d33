package metrics

import (
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestCustomMetrics(t *testing.T) {
	r := New(Options{NoRuntime: true})
	m := r.Custom()
	for _, step := range []func(){
		func() { m.IncCounter("a") },
		func() { m.IncCounter("a") },
		func() { m.IncCounterBy("a", 3) },
		func() { m.IncCounterBy("a", 0) },  // nothing to add
		func() { m.IncCounterBy("a", -2) }, // a counter does not go down; Prometheus would panic
		func() { m.IncFloatCounterBy("b", 0.25) },
		func() { m.IncFloatCounterBy("b", -1) },
		func() { m.MeasureSince("t", time.Now().Add(-time.Second)) },
		func() { m.MeasureSince("t", time.Now()) },
	} {
		step()
	}
	g := gather(t, r)
	for _, c := range []struct {
		name, key string
		want      float64
	}{
		{"skiff_custom_total", "a", 5},
		{"skiff_custom_total", "b", 0.25},
		{"skiff_custom_duration_seconds", "t", 2}, // observations
	} {
		if got := g.value(t, c.name, "key", c.key); got != c.want {
			t.Errorf("%s{key=%q} = %v, want %v", c.name, c.key, got, c.want)
		}
	}
	if sum := g.find("skiff_custom_duration_seconds", "key", "t").GetHistogram().GetSampleSum(); sum < 1 || sum > 2 {
		t.Errorf("time sum %v, want about 1 s", sum)
	}
}

// Past the key limit, keys share key="other"; the keys that have series
// keep them.
func TestCustomMetricsKeyLimit(t *testing.T) {
	c := newCustomMetrics(2)
	var wg sync.WaitGroup
	for _, k := range []string{"a", "b", "c", "d", "a"} {
		wg.Go(func() { c.IncCounter(k) })
	}
	wg.Wait()
	c.MeasureSince("e", time.Now())
	own := map[string]customSeries{}
	c.series.Range(func(k, v any) bool {
		own[k.(string)] = v.(customSeries)
		return true
	})
	other := c.other.Load()
	if other == nil {
		t.Fatal("no other series")
	}
	if n := len(own) + 1; n != 3 {
		t.Fatalf("%d series, want 2 keys and other", n)
	}
	total := testutil.ToFloat64(other.total)
	for k, s := range own {
		total += testutil.ToFloat64(s.total)
		if k != "a" && k != "b" && k != "c" && k != "d" {
			t.Errorf("series for %q", k)
		}
	}
	if total != 5 {
		t.Errorf("counted %v, want 5", total)
	}
	// e, past the limit, was measured as other.
	reg := prometheus.NewRegistry()
	reg.MustRegister(c.duration)
	g := gather(t, &Registry{prom: reg})
	if m := g.find("skiff_custom_duration_seconds", "key", customOther); m.GetHistogram().GetSampleCount() != 1 {
		t.Errorf("other's times: %v, want e's one", m)
	}
}
