package proxy

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/skiff-proxy/skiff/predicates/traffic"
	"github.com/skiff-proxy/skiff/routing"
)

// segmentCtx carries the one TrafficSegment number of a request. It is
// allocated per request, not pooled: the request context can outlive
// ServeHTTP in transport goroutines, so it must never be reused.
type segmentCtx struct {
	context.Context
	seg traffic.Segment
}

func (c *segmentCtx) Value(key any) any {
	if _, ok := key.(traffic.SegmentKey); ok {
		return &c.seg
	}
	return c.Context.Value(key)
}

// withSegment gives r a context holding a fresh traffic.Segment. It costs
// a request copy and the context, so it runs only for tables that have a
// TrafficSegment predicate.
func withSegment(r *http.Request) *http.Request {
	return r.WithContext(&segmentCtx{Context: r.Context()})
}

// segmentTables remembers whether the table last seen uses TrafficSegment,
// so that the check costs one atomic load per request; it is recomputed
// once per table generation.
type segmentTables struct {
	last atomic.Pointer[segmentInfo]
	mu   sync.Mutex // one scan per new table, the others wait for it
}

type segmentInfo struct {
	t   *routing.Table
	has bool
}

func (s *segmentTables) uses(t *routing.Table) bool {
	if i := s.last.Load(); i != nil && i.t == t {
		return i.has
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.last.Load(); i != nil && i.t == t {
		return i.has
	}
	i := &segmentInfo{t: t, has: hasSegmentPredicate(t)}
	s.last.Store(i)
	return i.has
}

// hasSegmentPredicate reports whether a route of t has a TrafficSegment
// predicate. routing has no index of predicate names, so the definitions
// are scanned.
func hasSegmentPredicate(t *routing.Table) bool {
	if t == nil {
		return false
	}
	for _, r := range t.Routes() {
		if r.Def == nil {
			continue
		}
		for _, p := range r.Def.Predicates {
			if p != nil && p.Name == traffic.TrafficSegmentName {
				return true
			}
		}
	}
	return false
}
