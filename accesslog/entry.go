package accesslog

import "time"

// Entry is what the proxy knows about one finished request. Empty strings
// are printed as "-" in the text formats.
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

	// The fields below are printed by the gorouter format only.

	RemoteAddr string // the peer's ip:port
	BytesRead  int64  // request body bytes read from the client
	// Backend is the host:port of the last backend attempted, "" when the
	// request reached none; BackendDuration is the time spent in backend
	// round trips (all attempts, until the response header arrived).
	Backend         string
	BackendDuration time.Duration
	// ForwardedFor, ForwardedProto and RequestID are the X-Forwarded-For,
	// X-Forwarded-Proto and X-Vcap-Request-Id headers of the request as
	// sent to the backend, or as received when it was not proxied.
	ForwardedFor   string
	ForwardedProto string
	RequestID      string
	// RouterError is the response's X-Cf-Routererror header.
	RouterError string

	// Additional carries filter-supplied fields. The JSON format prints
	// them all; the gorouter format reads the keys "app_id", "app_index",
	// "instance_id", "vcap_request_id" and "x_cf_routererror".
	Additional map[string]any
}
