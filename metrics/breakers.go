package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker"
)

// breakerStates are the values of the state label, indexed by
// gobreaker.State.
var breakerStates = [...]string{gobreaker.StateClosed: "closed", gobreaker.StateHalfOpen: "half-open", gobreaker.StateOpen: "open"}

// breakerMetrics follow the circuit breakers' state changes, which the
// breaker registry reports as they happen (BreakerStateChange).
type breakerMetrics struct {
	// to counts the changes into each state; from the changes out of it.
	to, from [len(breakerStates)]atomic.Uint64
}

// BreakerStateChange is the breaker registry's OnStateChange hook
// (breaker.Options): it counts the change. It runs with the breaker
// locked and only adds to counters.
func (r *Registry) BreakerStateChange(_ string, from, to gobreaker.State) {
	if int(from) < len(breakerStates) && from >= 0 {
		r.breakers.from[from].Add(1)
	}
	if int(to) < len(breakerStates) && to >= 0 {
		r.breakers.to[to].Add(1)
	}
}

// WatchBreakers makes skiff_breakers read the number of breakers from
// count (breaker.Registry.Len).
func (r *Registry) WatchBreakers(count func() int) {
	r.src.mu.Lock()
	defer r.src.mu.Unlock()
	r.src.breakers = count
}

var (
	descBreakers = prometheus.NewDesc("skiff_breakers",
		"Circuit breakers by state: closed, open, half-open. A breaker starts closed; one dropped while idle leaves the count it was in.",
		[]string{"state"}, nil)
	descBreakerChanges = prometheus.NewDesc("skiff_breaker_state_changes_total",
		"Circuit breaker state changes, by the state changed to.", []string{"to"}, nil)
)

type breakerCollector struct{ r *Registry }

func (c breakerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descBreakers
	ch <- descBreakerChanges
}

func (c breakerCollector) Collect(ch chan<- prometheus.Metric) {
	count := c.r.sources().breakers
	if count == nil {
		return
	}
	b := &c.r.breakers
	var in [len(breakerStates)]int64
	for s := range breakerStates {
		in[s] = int64(b.to[s].Load()) - int64(b.from[s].Load())
	}
	// Breakers are made closed without a change: closed is the rest.
	open, half := max(in[gobreaker.StateOpen], 0), max(in[gobreaker.StateHalfOpen], 0)
	closed := max(int64(count())-open-half, 0)
	ch <- prometheus.MustNewConstMetric(descBreakers, prometheus.GaugeValue, float64(closed), "closed")
	ch <- prometheus.MustNewConstMetric(descBreakers, prometheus.GaugeValue, float64(open), "open")
	ch <- prometheus.MustNewConstMetric(descBreakers, prometheus.GaugeValue, float64(half), "half-open")
	for s, name := range breakerStates {
		ch <- prometheus.MustNewConstMetric(descBreakerChanges, prometheus.CounterValue, float64(b.to[s].Load()), name)
	}
}
