package proxy

import (
	"context"
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/routing"
)

// segmentCtx carries the one TrafficSegment number of a request. It is
// allocated per request, not pooled: the request context can outlive
// ServeHTTP in transport goroutines, so it must never be reused.
type segmentCtx struct {
	context.Context
	seg filters.Segment
}

func (c *segmentCtx) Value(key any) any {
	if _, ok := key.(filters.SegmentKey); ok {
		return &c.seg
	}
	return c.Context.Value(key)
}

// withSegment gives r a context holding a fresh filters.Segment. It costs
// a request copy and the context, so it runs only for tables that have a
// TrafficSegment predicate.
func withSegment(r *http.Request) *http.Request {
	return r.WithContext(&segmentCtx{Context: r.Context()})
}

// usesSegments reports whether requests served with t need a segment: the
// table counts its predicates by name, so this is one map lookup.
func usesSegments(t *routing.Table) bool {
	return t != nil && t.UsesPredicate(filters.TrafficSegmentName)
}
