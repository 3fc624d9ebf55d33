package filters

import (
	"context"
	"net/http"
)

// The proxy and the TrafficSegment predicate share the types below so that
// neither imports the other: the proxy offers one Segment per request, the
// predicate reads it.

// TrafficSegmentName is the predicate whose routes share one random number
// per request. The proxy gives a request a Segment only when the routing
// table uses this predicate, because doing so costs a request copy.
const TrafficSegmentName = "TrafficSegment"

// SegmentKey is the request-context key under which the request handler
// makes a *Segment available to TrafficSegment predicates. The key is a
// zero-size value, so looking it up does not allocate.
type SegmentKey struct{}

// Segment holds the one random number of a request that all TrafficSegment
// predicates share. It is drawn lazily, so a request that meets no
// TrafficSegment predicate pays nothing but the context lookup. A Segment
// belongs to one request and is not safe for concurrent use; a handler that
// pools it must call Reset before reuse. Keep the same Segment for loopback
// re-matches of the request so they see the same number.
type Segment struct {
	v     float64
	drawn bool
}

// Reset forgets the drawn number.
func (s *Segment) Reset() { *s = Segment{} }

// Value returns the request's number, drawing it with rnd on first use.
func (s *Segment) Value(rnd func() float64) float64 {
	if !s.drawn {
		s.v, s.drawn = rnd(), true
	}
	return s.v
}

// WithSegment returns ctx carrying a fresh Segment. Handlers that already own
// a per-request context type can instead answer Value(SegmentKey{}) with a
// *Segment of their own and avoid this allocation.
func WithSegment(ctx context.Context) context.Context {
	return context.WithValue(ctx, SegmentKey{}, &Segment{})
}

// SegmentOf returns the Segment r's context carries, or nil.
func SegmentOf(r *http.Request) *Segment {
	s, _ := r.Context().Value(SegmentKey{}).(*Segment)
	return s
}
