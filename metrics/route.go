package metrics

import (
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/routing"
)

// Label values of the route label that are not route ids.
const (
	// OtherRoutes is the series shared by the routes beyond the
	// MaxRoutes limit. A route whose id is "other" shares it too.
	OtherRoutes = "other"
	// NoRoute is the series of the requests no route matched. It cannot
	// be a route id: eskip ids are [A-Za-z_][A-Za-z0-9_]*.
	NoRoute = "(none)"
)

// methodClasses are the values of the method label: the methods of RFC
// 9110 and PATCH, and "other" for the rest, so that a client cannot make
// up series.
var methodClasses = [...]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other"}

const numMethods = len(methodClasses)

func methodClass(m string) int {
	switch m {
	case "GET":
		return 0
	case "HEAD":
		return 1
	case "POST":
		return 2
	case "PUT":
		return 3
	case "PATCH":
		return 4
	case "DELETE":
		return 5
	case "OPTIONS":
		return 6
	case "CONNECT":
		return 7
	case "TRACE":
		return 8
	}
	return numMethods - 1
}

// statusClasses are the values of the status_class label.
var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx", "other"}

const (
	numStatus   = len(statusClasses)
	status5xx   = 4
	statusOther = numStatus - 1
)

func statusClass(s int) int {
	if s < 100 || s > 599 {
		return statusOther
	}
	return s/100 - 1
}

// latencyBuckets are the upper bounds, in seconds, of the request and
// backend latency histograms; the backend timeouts default to 60 s.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

const numBuckets = 15

// bucketNanos are latencyBuckets in nanoseconds, for the request path.
var bucketNanos = func() (b [numBuckets]int64) {
	if len(latencyBuckets) != numBuckets {
		panic("metrics: numBuckets does not match latencyBuckets")
	}
	for i, s := range latencyBuckets {
		b[i] = int64(s * float64(time.Second))
	}
	return b
}()

// histogram is a latency histogram updated with atomic adds only: a
// count per bucket (not cumulative; the last one is +Inf) and the sum in
// microseconds, so that it neither overflows for centuries of traffic
// nor needs a floating-point compare-and-swap.
type histogram struct {
	counts    [numBuckets + 1]atomic.Uint64
	sumMicros atomic.Uint64
}

func (h *histogram) observe(d time.Duration) {
	n := int64(d)
	i := 0
	for i < numBuckets && n > bucketNanos[i] {
		i++
	}
	h.counts[i].Add(1)
	if d > 0 {
		h.sumMicros.Add(uint64(d / time.Microsecond))
	}
}

// snapshot returns the count, the sum in seconds and the cumulative
// bucket counts as Prometheus wants them. The count is the sum of the
// buckets, so that the two always agree.
func (h *histogram) snapshot() (count uint64, sum float64, buckets map[float64]uint64) {
	var cum [numBuckets + 1]uint64
	for i := range h.counts {
		count += h.counts[i].Load()
		cum[i] = count
	}
	if count == 0 {
		return 0, 0, nil
	}
	buckets = make(map[float64]uint64, numBuckets)
	for i, le := range latencyBuckets {
		buckets[le] = cum[i]
	}
	return count, float64(h.sumMicros.Load()) / 1e6, buckets
}

// routeStats are the numbers of one route id (or of OtherRoutes, or
// NoRoute), shared by every version of the route and every table that
// has it, so that its counters go on across rebuilds.
type routeStats struct {
	id       string
	requests [numMethods][numStatus]atomic.Uint64
	duration histogram
	backend  histogram
	failures [routing.NumBackendFailures]atomic.Uint64
	limited  atomic.Uint64 // requests a rate limit filter answered

	// bound is when a post-processor last bound a route to it (unix
	// nanoseconds), seen the prune round that last found it in the
	// current table: stats that neither are pruned (prune).
	bound atomic.Int64
	seen  atomic.Uint64
}

func newRouteStats(id string) *routeStats { return &routeStats{id: id} }

// count is the route's RouteCount.
func (s *routeStats) count() RouteCount {
	var c RouteCount
	for m := range s.requests {
		for st := range s.requests[m] {
			n := s.requests[m][st].Load()
			c.Requests += n
			if st == status5xx {
				c.Errors5xx += n
			}
		}
	}
	return c
}

// binding is what a route's Metrics field holds: its stats and which of
// its filters are rate limits. It implements routing.RouteMetrics.
type binding struct {
	id string
	r  *Registry
	// s is the route id's stats, or OtherRoutes' until a look at the
	// table finds room for the id (prune); nil until the route's first
	// request (stats), so that the MaxRoutes ids with series of their own
	// are ids that get requests, and a large table costs no stats for
	// routes nobody asks for.
	s atomic.Pointer[routeStats]
	// limits has bit i set when the route's filter i is a rate limit,
	// whose answers count as rejections.
	limits uint64
}

var _ routing.RouteMetrics = (*binding)(nil)

// stats returns the route's stats, made at its first request.
func (b *binding) stats() *routeStats {
	if s := b.s.Load(); s != nil {
		return s
	}
	return b.r.attach(b)
}

func (b *binding) Served(method string, status int, d time.Duration) {
	s := b.stats()
	s.requests[methodClass(method)][statusClass(status)].Add(1)
	s.duration.observe(d)
}

func (b *binding) RoundTrip(d time.Duration, f routing.BackendFailure) {
	s := b.stats()
	s.backend.observe(d)
	if f != routing.NoFailure {
		if f >= routing.NumBackendFailures {
			f = routing.FailureOther
		}
		s.failures[f].Add(1)
	}
}

func (b *binding) FilterAnswered(i int) {
	if i >= 0 && i < 64 && b.limits&(1<<uint(i)) != 0 {
		b.stats().limited.Add(1)
	}
}

// rateLimitFilters are the names of the filters whose answers are rate
// limit rejections.
var rateLimitFilters = map[string]bool{"ratelimit": true, "clientRatelimit": true}

// limitMask is the binding.limits of a route's filters.
func limitMask(fs []*routing.RouteFilter) uint64 {
	var m uint64
	for i, f := range fs {
		if i == 64 {
			break
		}
		if f != nil && rateLimitFilters[f.Name] {
			m |= 1 << uint(i)
		}
	}
	return m
}

// RouteCount is one route id's requests since its series began, and how
// many of them were answered with a 5xx status.
type RouteCount struct {
	Requests, Errors5xx uint64
}

// postProcessor binds each route to its stats when the route is built.
// It depends on the route alone, so that small changes are still applied
// to the table copy-on-write.
type postProcessor struct{ r *Registry }

func (p postProcessor) Do(routes []*routing.Route) ([]*routing.Route, []routing.InvalidRoute) {
	r := p.r
	r.mu.Lock()
	full := len(r.routes) >= r.maxRoutes
	r.mu.Unlock()
	if full && r.maxRoutes > 0 {
		// Make room from ids that left the table, when nothing scraped
		// lately.
		r.prune()
	}
	now := time.Now().UnixNano()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rt := range routes {
		if rt != nil {
			rt.Metrics = r.bindLocked(rt, now)
		}
	}
	return routes, nil
}

func (postProcessor) RouteLocal() bool { return true }

// Reprocessable: binding a bound route again replaces its binding.
func (postProcessor) Reprocessable() bool { return true }

var _ routing.ReprocessablePostProcessor = postProcessor{}

// bindLocked returns the binding of rt: to the stats its id already has
// (a new version of a route goes on counting where the last one was), or
// to none yet (attach makes them at the first request). r.mu is held.
func (r *Registry) bindLocked(rt *routing.Route, now int64) routing.RouteMetrics {
	b := &binding{id: rt.Id, r: r, limits: limitMask(rt.Filters)}
	if s := r.routes[rt.Id]; s != nil {
		s.bound.Store(now)
		b.s.Store(s)
	}
	return b
}

// attach gives b the stats of its id, or the shared OtherRoutes stats
// once MaxRoutes ids have their own, at the route's first request.
func (r *Registry) attach(b *binding) *routeStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := b.s.Load(); s != nil {
		return s // another request of the route was first
	}
	s := r.statsLocked(b.id)
	s.bound.Store(time.Now().UnixNano())
	b.s.Store(s)
	return s
}

// statsLocked returns the stats of id, made if there is room, else the
// OtherRoutes stats. r.mu is held.
func (r *Registry) statsLocked(id string) *routeStats {
	s := r.routes[id]
	if s == nil {
		if len(r.routes) >= r.maxRoutes || id == OtherRoutes || id == NoRoute {
			return r.other
		}
		s = newRouteStats(id)
		r.routes[id] = s
	}
	return s
}
