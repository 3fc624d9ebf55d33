package accesslog

import "time"

// Entry is what the proxy knows about one finished request. Empty strings
// are printed as "-" in the text format.
type Entry struct {
	Start        time.Time
	Duration     time.Duration
	Status       int
	BytesWritten int64

	RouteId   string
	ClientIP  string // all X-Forwarded-For addresses joined with ", ", else the remote IP
	Method    string
	URI       string
	Proto     string
	Host      string // the requested host (Host header)
	Referer   string
	UserAgent string
	AuthUser  string
	FlowId    string
	Audit     string

	// Additional carries filter-supplied fields; only the JSON format
	// prints them.
	Additional map[string]any
}
