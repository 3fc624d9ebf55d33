package ratelimit

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Options configure a Registry.
type Options struct {
	// CleanupInterval is how often entries of quiet clients are dropped;
	// default one minute.
	CleanupInterval time.Duration
}

// Registry holds the limiters of all routes. Create it once when rate
// limits are enabled, pass it to Specs, and Close it at shutdown: it owns
// one goroutine that expires idle entries.
type Registry struct {
	now func() time.Time

	mu       sync.Mutex
	limiters map[limiterKey]*limiter

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// limiterKey identifies a limiter: the route it belongs to and its settings.
type limiterKey struct {
	route  string
	kind   kind
	max    int
	window time.Duration
	lookup string
}

type kind uint8

const (
	kindClient kind = iota
	kindService
)

const shardCount = 32

type limiter struct {
	max      int
	window   int64
	lastUsed atomic.Int64
	dead     atomic.Bool
	shards   [shardCount]shard
}

type shard struct {
	mu      sync.Mutex
	clients map[string]*hits
}

// NewRegistry starts a registry and its cleanup goroutine.
func NewRegistry(o Options) *Registry {
	if o.CleanupInterval <= 0 {
		o.CleanupInterval = time.Minute
	}
	r := &Registry{now: time.Now, limiters: map[limiterKey]*limiter{}, stop: make(chan struct{}), done: make(chan struct{})}
	go r.cleanupLoop(o.CleanupInterval)
	return r
}

// Close stops the cleanup goroutine. Filters keep working afterwards, but
// idle entries are no longer expired.
func (r *Registry) Close() error {
	r.closeOnce.Do(func() {
		close(r.stop)
		<-r.done
	})
	return nil
}

func (r *Registry) cleanupLoop(every time.Duration) {
	defer close(r.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.cleanup(every)
		}
	}
}

// cleanup drops clients whose last admitted request is older than the
// window, and limiters nobody used for longer than idle and a window.
func (r *Registry) cleanup(idle time.Duration) {
	now := r.now().UnixNano()
	r.mu.Lock()
	ls := make(map[limiterKey]*limiter, len(r.limiters))
	for k, l := range r.limiters {
		ls[k] = l
	}
	r.mu.Unlock()
	for k, l := range ls {
		clients := 0
		for i := range l.shards {
			s := &l.shards[i]
			s.mu.Lock()
			for c, h := range s.clients {
				if h.newest() <= now-l.window {
					delete(s.clients, c)
				}
			}
			clients += len(s.clients)
			s.mu.Unlock()
		}
		if clients == 0 && now-l.lastUsed.Load() > l.window+int64(idle) {
			r.mu.Lock()
			if r.limiters[k] == l {
				l.dead.Store(true)
				delete(r.limiters, k)
			}
			r.mu.Unlock()
		}
	}
}

func (r *Registry) get(k limiterKey) *limiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.limiters[k]
	if l == nil {
		l = &limiter{max: k.max, window: int64(k.window)}
		for i := range l.shards {
			l.shards[i].clients = map[string]*hits{}
		}
		r.limiters[k] = l
	}
	l.lastUsed.Store(r.now().UnixNano())
	return l
}

// allow records a request of client at now.
func (l *limiter) allow(client string, now int64) (bool, time.Duration) {
	l.lastUsed.Store(now)
	s := &l.shards[xxhash.Sum64String(client)%shardCount]
	s.mu.Lock()
	h := s.clients[client]
	if h == nil {
		h = &hits{}
		s.clients[client] = h
	}
	ok, wait := h.allow(now, l.window, l.max)
	s.mu.Unlock()
	return ok, time.Duration(wait)
}

// clients counts the tracked clients; for tests.
func (l *limiter) clients() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += len(l.shards[i].clients)
		l.shards[i].mu.Unlock()
	}
	return n
}

// Len returns the number of live limiters.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.limiters)
}
