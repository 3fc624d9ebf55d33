package annotate

import (
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type originMarkerSpec struct{}

func (originMarkerSpec) Name() string { return "originMarker" }

// CreateFilter takes the origin's kind, the id of the object the route was
// made from and that object's creation time: a time.Time, or a string in
// RFC 3339 form.
func (s originMarkerSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(3, 3); err != nil {
		return nil, err
	}
	origin, err := a.String(0, "origin")
	if err != nil {
		return nil, err
	}
	id, err := a.String(1, "id")
	if err != nil {
		return nil, err
	}
	m := &OriginMarker{Origin: origin, Id: id}
	switch v := a.At(2).(type) {
	case time.Time:
		m.Created = v
	case string:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, a.Errorf("argument 3 (created) %q is not an RFC 3339 time: %v", v, err)
		}
		m.Created = t
	default:
		return nil, a.Errorf("argument 3 (created) must be an RFC 3339 time string, got %T %v", v, v)
	}
	return m, nil
}

// OriginMarker is the filter originMarker makes: where a route came from.
// In skipper a post-processor reads these markers to measure how long a
// route took from the creation of its source object to the routing table
// (-route-creation-metrics); skiff has no such metric yet, so the filter
// does nothing when requests pass. A post-processor can find it among a
// route's filters by type.
type OriginMarker struct {
	// Origin is the kind of source, e.g. "ingress".
	Origin string
	// Id identifies the source object within its origin.
	Id string
	// Created is when the source object was created.
	Created time.Time
}

func (*OriginMarker) Request(filters.FilterContext)  {}
func (*OriginMarker) Response(filters.FilterContext) {}
