package scheduler

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// BackendRatelimitName is the filter's name in eskip.
const BackendRatelimitName = "backendRatelimit"

// ratelimitKey holds, in the state bag, the backendRatelimit filter that
// ran last on the request: as in skipper, the last one decides.
const ratelimitKey = "filters/scheduler:backendRatelimit"

type backendRatelimitSpec struct{ reg *Registry }

func (*backendRatelimitSpec) Name() string { return BackendRatelimitName }

// CreateFilter: (group, maxHits, timeWindow[, statusCode]). timeWindow is
// a duration string or a number of seconds; statusCode defaults to 503.
func (s *backendRatelimitSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(BackendRatelimitName, args)
	if err := a.Count(3, 4); err != nil {
		return nil, err
	}
	group, err := a.String(0, "group")
	if err != nil {
		return nil, err
	}
	hits, err := a.PositiveInt(1)
	if err != nil {
		return nil, err
	}
	window, err := a.PositiveDuration(2, time.Second)
	if err != nil {
		return nil, err
	}
	status := http.StatusServiceUnavailable
	if a.Len() == 4 {
		if status, err = a.StatusCode(3); err != nil {
			return nil, err
		}
	}
	return &backendRatelimitFilter{lim: s.reg.limiter(limiterKey{group, hits, window}), reg: s.reg, status: status}, nil
}

// backendRatelimitFilter limits the requests sent to each backend
// endpoint (host:port) within its group: at most maxHits in any sliding
// timeWindow, counted over every route of the group with the same
// settings. A request over the limit is answered with the status and
// does not reach the backend.
//
// A route with a network backend knows its endpoint in the request
// phase, and the filter decides there. A load-balanced route chooses its
// endpoint after the request filters, before each attempt; the proxy asks
// RefuseAttempt then (see the package README). Routes with other backends
// are not limited.
type backendRatelimitFilter struct {
	reg    *Registry
	lim    *limiter
	status int
	closed atomic.Bool
	target atomic.Pointer[backendTarget]
}

// backendTarget caches the endpoint of the route's backend address.
type backendTarget struct{ url, endpoint string }

func (f *backendRatelimitFilter) endpoint(backendURL string) string {
	if t := f.target.Load(); t != nil && t.url == backendURL {
		return t.endpoint
	}
	a, err := eskip.ParseBackendAddress(backendURL)
	if err != nil {
		return ""
	}
	f.target.Store(&backendTarget{backendURL, a.Host})
	return a.Host
}

func (f *backendRatelimitFilter) Request(ctx filters.FilterContext) {
	ctx.StateBag()[ratelimitKey] = f
	u := ctx.BackendUrl()
	if u == "" {
		return
	}
	if ep := f.endpoint(u); ep != "" && !f.lim.allow(ep, f.reg.since()) {
		ctx.Serve(errorResponse(f.status))
	}
}

func (*backendRatelimitFilter) Response(filters.FilterContext) {}

// RefuseAttempt is asked by the proxy before an attempt of a load-balanced
// route goes to endpoint (host:port): a non-nil answer replaces the
// backend's, and the endpoint is not contacted. Only the route's last
// backendRatelimit decides.
func (f *backendRatelimitFilter) RefuseAttempt(ctx filters.FilterContext, endpoint string) *http.Response {
	if last, _ := ctx.StateBag()[ratelimitKey].(*backendRatelimitFilter); last != f {
		return nil
	}
	if f.lim.allow(endpoint, f.reg.since()) {
		return nil
	}
	return errorResponse(f.status)
}

// Close drops the filter's reference to its group's counters.
func (f *backendRatelimitFilter) Close() error {
	if f.closed.CompareAndSwap(false, true) {
		f.reg.dropLimiter(f.lim)
	}
	return nil
}

// limiterKey is one group with its settings: routes of a group that give
// different settings count separately, as in skipper.
type limiterKey struct {
	group  string
	max    int
	window time.Duration
}

// limiter keeps, per endpoint, the times of the requests let through in
// the last window (at most max of them): an exact sliding window.
type limiter struct {
	key  limiterKey
	refs int // under Registry.mu

	mu        sync.Mutex
	endpoints map[string]*hitLog
	rejected  uint64
	swept     time.Duration
}

type hitLog struct {
	ring     []time.Duration // a ring of up to max times, oldest at start
	start, n int
	rejected uint64
}

func (r *Registry) limiter(k limiterKey) *limiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.limiters[k]
	if l == nil {
		l = &limiter{key: k, endpoints: map[string]*hitLog{}}
		r.limiters[k] = l
	}
	l.refs++
	return l
}

func (r *Registry) dropLimiter(l *limiter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if l.refs--; l.refs == 0 && r.limiters[l.key] == l {
		delete(r.limiters, l.key)
	}
}

// expire drops the times that left the window ending at now.
func (h *hitLog) expire(now, window time.Duration) {
	for h.n > 0 && h.ring[h.start] <= now-window {
		h.start = (h.start + 1) % len(h.ring)
		h.n--
	}
}

func (h *hitLog) push(t time.Duration, limit int) {
	if h.n == len(h.ring) {
		// Grow (up to limit) keeping the order.
		grown := make([]time.Duration, min(limit, max(4, 2*len(h.ring))))
		for i := range h.n {
			grown[i] = h.ring[(h.start+i)%len(h.ring)]
		}
		h.ring, h.start = grown, 0
	}
	h.ring[(h.start+h.n)%len(h.ring)] = t
	h.n++
}

// allow records a request to endpoint at now, or refuses it.
func (l *limiter) allow(endpoint string, now time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
	h := l.endpoints[endpoint]
	if h == nil {
		h = &hitLog{}
		l.endpoints[endpoint] = h
	}
	h.expire(now, l.key.window)
	if h.n >= l.key.max {
		h.rejected++
		l.rejected++
		return false
	}
	h.push(now, l.key.max)
	return true
}

// sweepLocked forgets, now and then, the endpoints without a request in
// the last window, so that endpoints that went away cost nothing.
func (l *limiter) sweepLocked(now time.Duration) {
	every := max(l.key.window, time.Minute)
	if now-l.swept < every {
		return
	}
	l.swept = now
	for ep, h := range l.endpoints {
		if h.expire(now, l.key.window); h.n == 0 {
			delete(l.endpoints, ep)
		}
	}
}

// RatelimitStats is one backendRatelimit group with its settings.
type RatelimitStats struct {
	Group      string `json:"group"`
	MaxHits    int    `json:"max_hits"`
	TimeWindow string `json:"time_window"`
	// Rejected counts the refused requests since the counters were made.
	Rejected  uint64          `json:"rejected"`
	Endpoints []EndpointStats `json:"endpoints"`
}

// EndpointStats is one endpoint of a backendRatelimit group.
type EndpointStats struct {
	Endpoint string `json:"endpoint"`
	// Hits are the requests let through in the current window.
	Hits     int    `json:"hits"`
	Rejected uint64 `json:"rejected"`
}

func (l *limiter) stats(now time.Duration) RatelimitStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := RatelimitStats{Group: l.key.group, MaxHits: l.key.max, TimeWindow: l.key.window.String(), Rejected: l.rejected, Endpoints: []EndpointStats{}}
	for ep, h := range l.endpoints {
		h.expire(now, l.key.window)
		s.Endpoints = append(s.Endpoints, EndpointStats{Endpoint: ep, Hits: h.n, Rejected: h.rejected})
	}
	sort.Slice(s.Endpoints, func(i, j int) bool { return s.Endpoints[i].Endpoint < s.Endpoints[j].Endpoint })
	return s
}
