package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skiff-proxy/skiff/filters"
)

// MaxCustomKeys bounds the keys filters record under (FilterContext.Metrics)
// with series of their own: a key built from request data must not grow
// the registry without end. Later keys share key="other".
const MaxCustomKeys = 1000

// customOther is the key of the custom series past MaxCustomKeys.
const customOther = "other"

// Custom returns the filters.Metrics that filters record into
// (FilterContext.Metrics): counters as skiff_custom_total{key}, times as
// skiff_custom_duration_seconds{key}.
func (r *Registry) Custom() filters.Metrics { return r.custom }

// customMetrics implements filters.Metrics. The series of a key are looked
// up in the vectors once and kept, so that a filter's call costs a map
// read under a read lock.
type customMetrics struct {
	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	max      int

	mu     sync.RWMutex
	series map[string]customSeries
}

type customSeries struct {
	total    prometheus.Counter
	duration prometheus.Observer
}

func newCustomMetrics(maxKeys int) *customMetrics {
	return &customMetrics{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skiff_custom_total",
			Help: "Counters filters keep (FilterContext.Metrics IncCounter, IncCounterBy, IncFloatCounterBy), by key.",
		}, []string{"key"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "skiff_custom_duration_seconds",
			Help:    "Times filters measure (FilterContext.Metrics MeasureSince), by key.",
			Buckets: prometheus.DefBuckets,
		}, []string{"key"}),
		max:    maxKeys,
		series: map[string]customSeries{},
	}
}

func (c *customMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{c.total, c.duration}
}

// of returns the series of key, made at its first use; past max keys,
// the series of customOther.
func (c *customMetrics) of(key string) customSeries {
	c.mu.RLock()
	s, ok := c.series[key]
	c.mu.RUnlock()
	if ok {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.series[key]; ok {
		return s
	}
	if len(c.series) >= c.max {
		key = customOther
		if s, ok := c.series[key]; ok {
			return s
		}
	}
	s = customSeries{total: c.total.WithLabelValues(key), duration: c.duration.WithLabelValues(key)}
	c.series[key] = s
	return s
}

func (c *customMetrics) MeasureSince(key string, start time.Time) {
	c.of(key).duration.Observe(time.Since(start).Seconds())
}

func (c *customMetrics) IncCounter(key string) { c.of(key).total.Inc() }

func (c *customMetrics) IncCounterBy(key string, value int64) {
	if value > 0 {
		c.of(key).total.Add(float64(value))
	}
}

func (c *customMetrics) IncFloatCounterBy(key string, value float64) {
	if value > 0 {
		c.of(key).total.Add(value)
	}
}

var _ filters.Metrics = (*customMetrics)(nil)
