package routing

import "time"

// RouteMetrics receives the measurements of one route's requests. Package
// metrics binds one to each route through a post-processor when metrics
// are on (Route.Metrics); the proxy reports to it, so that nothing is
// looked up by route id per request. Implementations are called
// concurrently from request goroutines and must neither block nor
// allocate.
type RouteMetrics interface {
	// Served is called once per request the route served, after the
	// response was written: the request's method as it came in, the
	// status written to the client (499 when the client left first) and
	// the time from the request's start to the end of the response.
	Served(method string, status int, d time.Duration)
	// RoundTrip is called once per backend attempt of the route: the time
	// from sending the request to the backend's response header or to the
	// failure, and what failed (NoFailure for an answer, whatever its
	// status).
	RoundTrip(d time.Duration, f BackendFailure)
	// FilterAnswered is called when the request filter at index i of
	// Route.Filters answered the request itself (a rate limit's 429, a
	// redirect, a static response), so that no backend was asked.
	FilterAnswered(i int)
}

// BackendFailure classifies a failed backend attempt for RouteMetrics.
type BackendFailure uint8

// Backend failures. An attempt the client cancelled (it went away) is not
// a backend failure and is reported as NoFailure.
const (
	NoFailure          BackendFailure = iota
	FailureDial                       // TCP connect or TLS handshake failed
	FailureTimeout                    // no response header within the timeout
	FailureReset                      // the connection broke (reset, EOF before a response)
	FailureMalformed                  // the answer was not valid HTTP
	FailureOther                      // anything else
	NumBackendFailures                // the number of values, for arrays indexed by them
)

// String is the failure's label value: "", "dial", "timeout", "reset",
// "malformed" or "other".
func (f BackendFailure) String() string {
	switch f {
	case NoFailure:
		return ""
	case FailureDial:
		return "dial"
	case FailureTimeout:
		return "timeout"
	case FailureReset:
		return "reset"
	case FailureMalformed:
		return "malformed"
	}
	return "other"
}

// Observer is told what a Routing does (Options.Observer), for metrics.
// Its methods are called on routing's goroutines and must return quickly.
type Observer interface {
	// UpdateReceived is called for every update a data client delivers:
	// full is true for a full route set (Update.Reset), at is when routing
	// received it.
	UpdateReceived(client string, full bool, at time.Time)
	// TableBuilt is called when a new table replaced the live one:
	// incremental is true when it was made as a copy-on-write change of
	// its predecessor, took is how long building it took.
	TableBuilt(incremental bool, took time.Duration)
	// UpdateServed is called once per update when the table with its
	// change is live (or when it turned out to change nothing the table
	// serves, e.g. an endpoint list applied in place): received is when
	// routing received the update from client, now the time it serves.
	UpdateServed(client string, received, now time.Time)
}

// maxPendingUpdates bounds the receipt times kept per client between two
// builds for Observer.UpdateServed; a burst beyond it is measured by its
// first updates, which waited longest.
const maxPendingUpdates = 1024

// pendingUpdate is an update received and not yet served.
type pendingUpdate struct {
	client string
	at     time.Time
}
