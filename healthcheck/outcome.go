package healthcheck

import "time"

// Failure classifies how an attempt to reach an endpoint failed.
type Failure uint8

const (
	// NoFailure: the backend answered (whatever the status).
	NoFailure Failure = iota
	// DialFailed: the connection could not be made (refused, unreachable,
	// TLS handshake failed). Nothing reached the backend.
	DialFailed
	// TimedOut: the backend did not answer in time.
	TimedOut
	// ConnectionReset: the connection broke after the request was sent.
	ConnectionReset
	// OtherFailure is any other transport error.
	OtherFailure
	// Canceled: the client went away; says nothing about the endpoint.
	Canceled
)

func (f Failure) String() string {
	switch f {
	case NoFailure:
		return "ok"
	case DialFailed:
		return "dial failed"
	case TimedOut:
		return "timeout"
	case ConnectionReset:
		return "connection reset"
	case OtherFailure:
		return "transport error"
	case Canceled:
		return "canceled"
	}
	return "unknown"
}

// Outcome is the end of one attempt, as the proxy reports it.
type Outcome struct {
	Failure Failure
	// Status is the HTTP status of the response; 0 when there was none.
	Status int
	// Latency is the time from the start of the attempt to the response
	// head (or the failure).
	Latency time.Duration
}
