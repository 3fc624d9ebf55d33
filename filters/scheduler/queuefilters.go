package scheduler

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Filter names used in eskip.
const (
	FifoName              = "fifo"
	FifoWithBodyName      = "fifoWithBody"
	LifoName              = "lifo"
	LifoWithBodyName      = "lifoWithBody"
	LifoGroupName         = "lifoGroup"
	LifoGroupWithBodyName = "lifoGroupWithBody"
)

// minTimeout is the shortest wait skipper accepts.
const minTimeout = time.Millisecond

// routeQueueSpec makes fifo, fifoWithBody, lifo and lifoWithBody.
type routeQueueSpec struct {
	name     string
	kind     kind
	withBody bool
	reg      *Registry
}

func (s *routeQueueSpec) Name() string { return s.name }

func (s *routeQueueSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	var set settings
	var err error
	if s.kind == kindFifo {
		set, err = fifoArgs(a)
	} else {
		set, err = lifoArgs(a)
	}
	if err != nil {
		return nil, err
	}
	return &routeQueueFilter{reg: s.reg, kind: s.kind, withBody: s.withBody, set: set, seq: s.reg.nextSeq()}, nil
}

// fifoArgs: exactly (maxConcurrency ≥ 1, maxQueueSize ≥ 0, timeout ≥ 1ms).
func fifoArgs(a specargs.Args) (settings, error) {
	if err := a.Count(3, 3); err != nil {
		return settings{}, err
	}
	cc, err := a.Int(0, "maxConcurrency")
	if err != nil {
		return settings{}, err
	}
	if cc < 1 {
		return settings{}, a.Errorf("argument 1 (maxConcurrency) must be at least 1, got %d", cc)
	}
	qs, err := a.Int(1, "maxQueueSize")
	if err != nil {
		return settings{}, err
	}
	if qs < 0 {
		return settings{}, a.Errorf("argument 2 (maxQueueSize) must be at least 0, got %d", qs)
	}
	d, err := a.Duration(2, "timeout", false)
	if err != nil {
		return settings{}, err
	}
	if d < minTimeout {
		return settings{}, a.Errorf("argument 3 (timeout) must be at least 1ms, got %s", d)
	}
	return settings{maxConcurrency: cc, maxQueue: qs, timeout: d}, nil
}

// lifoArgs: up to three optional arguments; as in skipper, a concurrency
// below 1, a negative queue size or a timeout below 1ms mean the default,
// and a queue size of 0 means no limit.
func lifoArgs(a specargs.Args) (settings, error) {
	if err := a.Count(0, 3); err != nil {
		return settings{}, err
	}
	return optionalSettings(a, 0, false)
}

// optionalSettings reads maxConcurrency, maxQueueSize and timeout from
// argument first on, each optional. lifoGroup turns a queue size of 0
// into the default, lifo into no limit (skipper's rules).
func optionalSettings(a specargs.Args, first int, group bool) (settings, error) {
	s := defaultSettings
	if a.Len() > first {
		cc, err := a.Int(first, "maxConcurrency")
		if err != nil {
			return s, err
		}
		if cc >= 1 {
			s.maxConcurrency = cc
		}
	}
	if a.Len() > first+1 {
		qs, err := a.Int(first+1, "maxQueueSize")
		if err != nil {
			return s, err
		}
		switch {
		case qs > 0:
			s.maxQueue = qs
		case qs == 0 && !group:
			s.maxQueue = -1
		}
	}
	if a.Len() > first+2 {
		d, err := a.Duration(first+2, "timeout", false)
		if err != nil {
			return s, err
		}
		if d >= minTimeout {
			s.timeout = d
		}
	}
	return s, nil
}

// binding is the queue a route filter uses for requests of route.
type binding struct {
	route string
	q     *queue
}

// routeQueueFilter is fifo, lifo or a WithBody variant on one route. The
// route's id is known from the first request only, so the filter finds
// its queue then; the queue outlives the filter in the registry.
type routeQueueFilter struct {
	reg      *Registry
	kind     kind
	withBody bool
	set      settings
	seq      uint64

	bound  atomic.Pointer[binding]
	mu     sync.Mutex
	others []*binding // other route ids: not expected, but handled
	closed bool
}

func (f *routeQueueFilter) queue(route string) *queue {
	if b := f.bound.Load(); b != nil && b.route == route {
		return b.q
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if b := f.bound.Load(); b != nil && b.route == route {
		return b.q
	}
	for _, b := range f.others {
		if b.route == route {
			return b.q
		}
	}
	q := f.reg.bindRoute(f.kind, route, f.set, f.seq)
	if f.closed {
		f.reg.release(q)
		return q
	}
	b := &binding{route, q}
	if f.bound.Load() == nil {
		f.bound.Store(b)
	} else {
		f.others = append(f.others, b)
	}
	return q
}

func (f *routeQueueFilter) Request(ctx filters.FilterContext) {
	acquire(ctx, f.queue(ctx.RouteId()), f.withBody)
}

func (f *routeQueueFilter) Response(ctx filters.FilterContext) {
	if b := f.bound.Load(); b != nil {
		q := b.q
		if b.route != ctx.RouteId() {
			q = f.queue(ctx.RouteId())
		}
		done(ctx, q)
	}
}

// HandleErrorResponse: the slot goes back on error responses too.
func (*routeQueueFilter) HandleErrorResponse() bool { return true }

// Close drops the filter's reference to its queue.
func (f *routeQueueFilter) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	var qs []*queue
	if b := f.bound.Load(); b != nil {
		qs = append(qs, b.q)
	}
	for _, b := range f.others {
		qs = append(qs, b.q)
	}
	f.mu.Unlock()
	f.reg.release(qs...)
	return nil
}

// groupSpec makes lifoGroup and lifoGroupWithBody.
type groupSpec struct {
	name     string
	withBody bool
	reg      *Registry
}

func (s *groupSpec) Name() string { return s.name }

// CreateFilter: (name[, maxConcurrency[, maxQueueSize[, timeout]]]). A
// filter with more than the name gives the group settings; a queue size
// below 1 means the default (skipper's rule).
func (s *groupSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, 4); err != nil {
		return nil, err
	}
	name, err := a.String(0, "group name")
	if err != nil {
		return nil, err
	}
	var c *claim
	if a.Len() > 1 {
		set, err := optionalSettings(a, 1, true)
		if err != nil {
			return nil, err
		}
		c = &claim{set: set}
	}
	seq := s.reg.nextSeq()
	if c != nil {
		c.seq = seq
	}
	return &groupFilter{reg: s.reg, withBody: s.withBody, q: s.reg.joinGroup(name, c), claim: c}, nil
}

// groupFilter is lifoGroup or lifoGroupWithBody on one route.
type groupFilter struct {
	reg      *Registry
	withBody bool
	q        *queue
	claim    *claim
	labelled atomic.Bool
	closed   atomic.Bool
}

func (f *groupFilter) Request(ctx filters.FilterContext) {
	if f.claim != nil && !f.labelled.Load() && f.labelled.CompareAndSwap(false, true) && !f.closed.Load() {
		f.reg.labelClaim(f.q, f.claim, ctx.RouteId())
	}
	acquire(ctx, f.q, f.withBody)
}

func (f *groupFilter) Response(ctx filters.FilterContext) { done(ctx, f.q) }

// HandleErrorResponse: the slot goes back on error responses too.
func (*groupFilter) HandleErrorResponse() bool { return true }

// Close withdraws the filter's settings from the group.
func (f *groupFilter) Close() error {
	if f.closed.CompareAndSwap(false, true) {
		f.reg.leaveGroup(f.q, f.claim)
	}
	return nil
}
