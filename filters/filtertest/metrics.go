package filtertest

import (
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

// Metrics is a filters.Metrics that records what filters report, for
// tests to check. It is safe for concurrent use.
type Metrics struct {
	mu       sync.Mutex
	counters map[string]int64
	floats   map[string]float64
	timers   map[string][]time.Duration
}

var _ filters.Metrics = (*Metrics)(nil)

func (m *Metrics) MeasureSince(key string, start time.Time) {
	d := time.Since(start)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.timers == nil {
		m.timers = map[string][]time.Duration{}
	}
	m.timers[key] = append(m.timers[key], d)
}

func (m *Metrics) IncCounter(key string) { m.IncCounterBy(key, 1) }

func (m *Metrics) IncCounterBy(key string, value int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counters == nil {
		m.counters = map[string]int64{}
	}
	m.counters[key] += value
}

func (m *Metrics) IncFloatCounterBy(key string, value float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.floats == nil {
		m.floats = map[string]float64{}
	}
	m.floats[key] += value
}

// Counter is the sum of the IncCounter and IncCounterBy calls for key.
func (m *Metrics) Counter(key string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counters[key]
}

// FloatCounter is the sum of the IncFloatCounterBy calls for key.
func (m *Metrics) FloatCounter(key string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.floats[key]
}

// Measured returns the durations MeasureSince recorded for key, in order.
func (m *Metrics) Measured(key string) []time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]time.Duration(nil), m.timers[key]...)
}
