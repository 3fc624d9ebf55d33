package status

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// latencyRing is how many recent latencies the /varz percentiles are taken
// from. gorouter keeps an exponentially decaying sample; a fixed ring of the
// last requests is simpler, lock-free to fill, and good enough for an
// endpoint kept only for old collectors.
const latencyRing = 1024

// Rate windows of /varz "rate": 1, 5 and 15 minutes.
var rateWindows = [3]time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}

// Counters are the router counters of /varz. Observe, BadRequest and
// BadGateway are on the request path: lock-free atomics, no allocation,
// safe for concurrent use. Figures does the arithmetic when /varz is read.
// The zero value is usable but starts its rate clock at the first Figures
// call; NewCounters starts it at once.
type Counters struct {
	requests                       atomic.Int64
	r2xx, r3xx, r4xx, r5xx, rOther atomic.Int64
	badRequests, badGateways       atomic.Int64
	samples                        atomic.Uint64 // latencies observed; the next ring slot
	ring                           [latencyRing]atomic.Int64

	mu    sync.Mutex // the rate state, used only by Figures
	last  time.Time
	count int64 // requests at last
	rates [3]float64
}

// NewCounters returns Counters whose request rates count from now.
func NewCounters() *Counters {
	c := &Counters{}
	c.last = time.Now()
	return c
}

// Observe counts one request (gorouter counts one per backend attempt) with
// its response status and latency.
func (c *Counters) Observe(status int, latency time.Duration) {
	c.requests.Add(1)
	switch status / 100 {
	case 2:
		c.r2xx.Add(1)
	case 3:
		c.r3xx.Add(1)
	case 4:
		c.r4xx.Add(1)
	case 5:
		c.r5xx.Add(1)
	default:
		c.rOther.Add(1)
	}
	i := c.samples.Add(1) - 1
	c.ring[i%latencyRing].Store(int64(latency))
}

// BadRequest counts a request rejected by the lookup (400 or 404).
func (c *Counters) BadRequest() { c.badRequests.Add(1) }

// BadGateway counts a backend failure answered with the default 502.
func (c *Counters) BadGateway() { c.badGateways.Add(1) }

// Figures returns the counters' part of VarzFigures; the table figures are
// zero (VarzSource adds them). Counters therefore is a Varz by itself.
func (c *Counters) Figures() VarzFigures {
	f := VarzFigures{
		Requests:     c.requests.Load(),
		Responses2xx: c.r2xx.Load(),
		Responses3xx: c.r3xx.Load(),
		Responses4xx: c.r4xx.Load(),
		Responses5xx: c.r5xx.Load(),
		ResponsesXXX: c.rOther.Load(),
		BadRequests:  c.badRequests.Load(),
		BadGateways:  c.badGateways.Load(),
		Latency:      c.latency(),
	}
	f.Rate = c.rate(time.Now(), f.Requests)
	return f
}

// rate advances the exponentially weighted moving averages to now. They
// are updated only when read, so the decay uses the exact elapsed time:
// over an interval dt with an average rate r of new requests, the average
// moves by the fraction 1-e^(-dt/window) towards r, the same as a
// per-second tick would with a constant rate, and no ticker goroutine is
// needed.
func (c *Counters) rate(now time.Time, requests int64) [3]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last.IsZero() {
		c.last, c.count = now, requests
		return c.rates
	}
	dt := now.Sub(c.last).Seconds()
	if dt <= 0 {
		return c.rates
	}
	r := float64(requests-c.count) / dt
	for i, w := range rateWindows {
		c.rates[i] += (1 - math.Exp(-dt/w.Seconds())) * (r - c.rates[i])
	}
	c.last, c.count = now, requests
	return c.rates
}

// latency returns the percentiles of the ring in seconds (nearest rank).
func (c *Counters) latency() LatencyPercentiles {
	n := min(c.samples.Load(), latencyRing)
	if n == 0 {
		return LatencyPercentiles{}
	}
	s := make([]int64, n)
	for i := range s {
		s[i] = c.ring[i].Load()
	}
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(n))) - 1
		return time.Duration(s[max(i, 0)]).Seconds()
	}
	return LatencyPercentiles{P50: at(0.50), P75: at(0.75), P90: at(0.90), P95: at(0.95), P99: at(0.99)}
}
