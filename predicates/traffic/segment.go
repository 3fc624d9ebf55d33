package traffic

import (
	"context"
	"net/http"
)

// SegmentKey is the request-context key under which the request handler
// makes a *Segment available to TrafficSegment predicates. The key is a
// zero-size value, so looking it up does not allocate.
type SegmentKey struct{}

// Segment holds the one random number of a request that all TrafficSegment
// predicates share. It is drawn lazily, so a request that meets no
// TrafficSegment predicate pays nothing but the context lookup. A Segment
// belongs to one request and is not safe for concurrent use; the handler may
// pool it and must call Reset before reuse. Keep the same Segment for
// loopback re-matches of the request so they see the same number.
type Segment struct {
	v     float64
	drawn bool
}

// Reset forgets the drawn number.
func (s *Segment) Reset() { *s = Segment{} }

func (s *Segment) value(rnd func() float64) float64 {
	if !s.drawn {
		s.v, s.drawn = rnd(), true
	}
	return s.v
}

// WithSegment returns ctx carrying a fresh Segment. Handlers that already own
// a per-request context type can instead answer Value(SegmentKey{}) with a
// pooled *Segment and avoid this allocation.
func WithSegment(ctx context.Context) context.Context {
	return context.WithValue(ctx, SegmentKey{}, &Segment{})
}

func segmentOf(r *http.Request) *Segment {
	s, _ := r.Context().Value(SegmentKey{}).(*Segment)
	return s
}
