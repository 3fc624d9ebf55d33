package cfhttp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
)

// Class is what a failed round trip means for the request and for the
// endpoint (§8.2).
type Class struct {
	// Retriable: another attempt, on another endpoint, may be made.
	Retriable bool
	// MarkFailed: round-robin skips the endpoint for the failure-mark period.
	MarkFailed bool
	// RemoveTLS: a TLS endpoint is pruned from its pool at once (it comes
	// back with its next registration). Plain endpoints are only marked.
	RemoveTLS bool
}

var (
	endpointBroken = Class{Retriable: true, MarkFailed: true, RemoveTLS: true}
	resetOnRead    = Class{MarkFailed: true}
	eofIdempotent  = Class{Retriable: true}
)

// Classify sorts the error of one round trip into the classes of §8.2.
// bodyReplayable tells whether the request body can be sent again;
// headersWritten whether the request headers had been completely written
// to the backend when the error happened: before that the backend cannot
// have acted on the request, so any error is retriable.
func Classify(err error, req *http.Request, bodyReplayable bool, headersWritten bool) Class {
	if err == nil {
		return Class{}
	}
	// The client is gone: nobody to retry for, and not the endpoint's fault.
	// Checked first because net wraps a cancelled dial as a dial error.
	if errors.Is(err, context.Canceled) {
		return Class{}
	}
	var c Class
	switch {
	case isDialError(err),
		notTLS(err),
		hostnameMismatch(err),
		untrustedCert(err),
		clientCertRejected(err),
		handshakeFailure(err),
		handshakeTimeout(err):
		c = endpointBroken
	case errors.Is(err, context.DeadlineExceeded):
		// endpoint_timeout: the whole request took too long. Dial timeouts
		// also match DeadlineExceeded, so this comes after isDialError.
		return Class{}
	case isResetOnRead(err):
		c = resetOnRead
	case (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) &&
		Idempotent(req) && (bodyReplayable || bodyAbsent(req)):
		// The backend closed a (probably kept-alive) connection without
		// answering; a request that is safe to repeat is repeated.
		c = eofIdempotent
	}
	if !headersWritten {
		c.Retriable = true
	}
	// Once the request's context is done (client gone, endpoint_timeout
	// spent during a dial) another attempt cannot succeed; gorouter stops
	// there too. The endpoint is still marked for what it did.
	if req != nil && req.Context().Err() != nil {
		c.Retriable = false
	}
	return c
}

// isDialError: no connection was established (refused, unreachable, dial
// timeout). A custom dialer may return the errno without the *net.OpError.
func isDialError(err error) bool {
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}

// isResetOnRead: the backend reset the connection while the response was
// being read. The request may have had effects, so it is not repeated.
func isResetOnRead(err error) bool {
	op, ok := errors.AsType[*net.OpError](err)
	return ok && op.Op == "read" && errors.Is(op.Err, syscall.ECONNRESET)
}

// bodyAbsent: the request has no body to lose by sending it again.
func bodyAbsent(req *http.Request) bool {
	return req == nil || req.Body == nil || req.Body == http.NoBody
}

// Idempotent reports whether req may be sent twice: a safe method, or a
// client that promised idempotency with a non-empty Idempotency-Key or
// X-Idempotency-Key header. (gorouter wants a value; net/http's Transport
// is content with the header being present.)
func Idempotent(req *http.Request) bool {
	if req == nil {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}
