package metrics

import (
	"sync"
	"sync/atomic"
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
// up in the vectors once and kept, so that a filter's call costs a map read
// without a lock; once max keys have series, a key without one goes to the
// series of customOther, also without a lock.
type customMetrics struct {
	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	max      int

	series sync.Map                     // key → customSeries
	other  atomic.Pointer[customSeries] // set once max keys have series
	mu     sync.Mutex                   // makes series
	n      int                          // keys with series of their own; mu
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
		max: maxKeys,
	}
}

func (c *customMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{c.total, c.duration}
}

func (c *customMetrics) seriesOf(key string) customSeries {
	return customSeries{total: c.total.WithLabelValues(key), duration: c.duration.WithLabelValues(key)}
}

// of returns the series of key, made at its first use; past max keys,
// the series of customOther.
func (c *customMetrics) of(key string) customSeries {
	if s, ok := c.series.Load(key); ok {
		return s.(customSeries)
	}
	if o := c.other.Load(); o != nil {
		return *o
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.series.Load(key); ok {
		return s.(customSeries)
	}
	if c.n >= c.max {
		o := c.other.Load()
		if o == nil {
			s := c.seriesOf(customOther)
			o = &s
			c.other.Store(o)
		}
		return *o
	}
	s := c.seriesOf(key)
	c.series.Store(key, s)
	c.n++
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
