package traffic

import (
	"context"

	"github.com/skiff-proxy/skiff/filters"
)

// The per-request segment is defined in package filters, where the proxy
// finds it without importing this predicate; these names keep working for
// code written against this package.

// SegmentKey is the request-context key of the request's *Segment.
type SegmentKey = filters.SegmentKey

// Segment is the one random number of a request that all TrafficSegment
// predicates share (see filters.Segment).
type Segment = filters.Segment

// WithSegment returns ctx carrying a fresh Segment.
func WithSegment(ctx context.Context) context.Context { return filters.WithSegment(ctx) }
