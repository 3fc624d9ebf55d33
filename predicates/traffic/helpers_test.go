package traffic

import (
	"context"
	"net/http"
)

func contextWith(r *http.Request, s *Segment) context.Context {
	return context.WithValue(r.Context(), SegmentKey{}, s)
}
