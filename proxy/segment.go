package proxy

import (
	"context"
	"net/http"
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
// so that the check costs one atomic load per request. A new table is
// scanned once, off the request path (collecting a large table's routes
// takes milliseconds); until the answer is in, requests get the segment
// anyway, which is always correct.
type segmentTables struct {
	last     atomic.Pointer[segmentInfo]
	scanning atomic.Bool
}

type segmentInfo struct {
	t   *routing.Table
	has bool
}

// usesSegments reports whether requests served with t need a segment.
func (p *Proxy) usesSegments(t *routing.Table) bool {
	s := &p.segments
	if i := s.last.Load(); i != nil && i.t == t {
		return i.has
	}
	if t == nil {
		return false
	}
	if !s.scanning.CompareAndSwap(false, true) {
		return true
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		s.scanning.Store(false)
		return true
	}
	p.wg.Add(1) // under p.mu, so never after Close started waiting
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		s.last.Store(&segmentInfo{t: t, has: hasSegmentPredicate(t)})
		s.scanning.Store(false)
	}()
	return true
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
