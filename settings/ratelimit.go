package settings

import (
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/filters/ratelimit"
)

// RatelimitType is the kind of a global rate limit.
type RatelimitType string

// The types of -ratelimits skiff has; skipper's cluster types need a
// swarm of instances, which skiff does not have.
const (
	// ClientRatelimit allows MaxHits requests per TimeWindow to each
	// client: the first X-Forwarded-For address, else the remote IP.
	ClientRatelimit RatelimitType = "client"
	// ServiceRatelimit allows MaxHits requests per TimeWindow in all.
	ServiceRatelimit RatelimitType = "service"
	// DisableRatelimit limits nothing (skipper's default type).
	DisableRatelimit RatelimitType = "disabled"
)

// Ratelimit is one -ratelimits setting.
type Ratelimit struct {
	Type       RatelimitType
	MaxHits    int
	TimeWindow time.Duration
	// Group names a limit shared across routes in skipper's cluster
	// limits; a global limit is one group anyway.
	Group string
}

func (r Ratelimit) check() error {
	switch r.Type {
	case DisableRatelimit:
		return nil
	case ClientRatelimit, ServiceRatelimit:
	default:
		return fmt.Errorf("type %q: want client, service or disabled", r.Type)
	}
	if r.MaxHits <= 0 {
		return fmt.Errorf("max-hits %d must be positive", r.MaxHits)
	}
	if r.TimeWindow <= 0 {
		return fmt.Errorf("time-window %v must be positive", r.TimeWindow)
	}
	return nil
}

// WrapHandler puts the steps that skipper runs on every request before
// routing and skiff keeps out of the proxy in front of h: RefusePayload,
// then the global rate limit of Ratelimits. Without them it returns h.
func (c *Resolved) WrapHandler(h http.Handler) http.Handler {
	if len(c.Ratelimits) > 0 && c.Ratelimits[0].Type != DisableRatelimit {
		h = newGlobalLimit(c.Ratelimits[0], time.Now, h)
	}
	if len(c.RefusePayload) > 0 {
		h = refusePayload{c.RefusePayload, h}
	}
	return h
}

// refusePayload answers 400 to requests carrying one of the strings in
// their target or headers, as skipper's -refuse-payload does.
type refusePayload struct {
	match []string
	next  http.Handler
}

func (p refusePayload) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.matches(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "Invalid request\n")
		return
	}
	p.next.ServeHTTP(w, r)
}

func (p refusePayload) matches(r *http.Request) bool {
	if p.in(r.RequestURI) {
		return true
	}
	if u, err := url.QueryUnescape(r.RequestURI); err == nil && p.in(u) {
		return true
	}
	for name, values := range r.Header {
		if p.in(name) {
			return true
		}
		for _, v := range values {
			if p.in(v) {
				return true
			}
		}
	}
	return false
}

func (p refusePayload) in(s string) bool {
	for _, m := range p.match {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// globalLimit is a sliding-window limit in front of a handler: a client
// may make MaxHits requests in any TimeWindow. Clients that made no
// request for a window are forgotten by the next request that finds the
// last sweep a window or more ago, so it needs no goroutine.
type globalLimit struct {
	client     bool
	max        int
	window     int64
	now        func() time.Time
	seed       maphash.Seed
	shards     [16]limitShard
	rateHeader string
	next       http.Handler
}

type limitShard struct {
	mu        sync.Mutex
	clients   map[string]*hitLog
	lastSweep int64
}

// hitLog holds the times of the last max admitted requests, oldest at
// start, as a ring.
type hitLog struct {
	times []int64
	start int
}

func newGlobalLimit(r Ratelimit, now func() time.Time, next http.Handler) *globalLimit {
	g := &globalLimit{
		client: r.Type == ClientRatelimit,
		max:    r.MaxHits,
		window: int64(r.TimeWindow),
		now:    now,
		seed:   maphash.MakeSeed(),
		next:   next,
	}
	perHour := float64(r.MaxHits) * float64(time.Hour) / float64(r.TimeWindow)
	g.rateHeader = strconv.FormatInt(int64(math.Round(perHour)), 10)
	for i := range g.shards {
		g.shards[i].clients = map[string]*hitLog{}
	}
	return g
}

func (g *globalLimit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := ""
	if g.client {
		key = ratelimit.ClientIP(r)
	}
	ok, wait := g.allow(key, g.now().UnixNano())
	if ok {
		g.next.ServeHTTP(w, r)
		return
	}
	secs := max(int64((wait+time.Second-1)/time.Second), 1)
	h := w.Header()
	h.Set(ratelimit.HeaderRateLimit, g.rateHeader)
	h.Set(ratelimit.HeaderRetryAfter, strconv.FormatInt(secs, 10))
	http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
}

// allow records a request of key at now, or returns how long until one
// would be allowed.
func (g *globalLimit) allow(key string, now int64) (bool, time.Duration) {
	s := &g.shards[maphash.String(g.seed, key)%uint64(len(g.shards))]
	s.mu.Lock()
	defer s.mu.Unlock()
	if now-s.lastSweep >= g.window {
		for k, l := range s.clients {
			if l.newest() <= now-g.window {
				delete(s.clients, k)
			}
		}
		s.lastSweep = now
	}
	l := s.clients[key]
	if l == nil {
		l = &hitLog{times: make([]int64, 0, min(g.max, 64))}
		s.clients[key] = l
	}
	if len(l.times) < g.max {
		l.times = append(l.times, now)
		return true, 0
	}
	oldest := l.times[l.start]
	if oldest > now-g.window {
		return false, time.Duration(oldest + g.window - now)
	}
	l.times[l.start] = now
	l.start = (l.start + 1) % len(l.times)
	return true, 0
}

func (l *hitLog) newest() int64 {
	if len(l.times) == 0 {
		return math.MinInt64
	}
	return l.times[(l.start+len(l.times)-1)%len(l.times)]
}
