package h1

import (
	"errors"
	"io"
	"net"
)

// The error types below say whose fault a failed exchange is; the proxy
// picks its answer's status from them. Each wraps the failure in Err.

// DialError marks a failure before any byte of the request was sent (the
// TCP connect): sending the request elsewhere is safe.
type DialError struct{ Err error }

func (e *DialError) Error() string { return "dial backend: " + e.Err.Error() }
func (e *DialError) Unwrap() error { return e.Err }

// RequestBodyError marks a failure reading the request body while it was
// sent (malformed chunking, client gone, a body longer or shorter than its
// Content-Length): the request's fault, not the backend's.
type RequestBodyError struct{ Err error }

func (e *RequestBodyError) Error() string { return "read request body: " + e.Err.Error() }
func (e *RequestBodyError) Unwrap() error { return e.Err }

// InvalidRequestError marks a request that cannot be sent to a backend as
// it is: a method, request-target, Host or header field that net/http's
// client would refuse too (a filter's doing, or a client's that the server
// let through). Nothing was sent; retrying cannot help.
type InvalidRequestError struct{ Err error }

func (e *InvalidRequestError) Error() string { return "invalid backend request: " + e.Err.Error() }
func (e *InvalidRequestError) Unwrap() error { return e.Err }

// BadResponseError marks a backend answer that is not valid HTTP/1.x
// (garbage, a malformed field line, an oversized header, an unasked
// protocol switch).
type BadResponseError struct{ Err error }

func (e *BadResponseError) Error() string { return "invalid backend response: " + e.Err.Error() }
func (e *BadResponseError) Unwrap() error { return e.Err }

// BadResponse classifies an error of reading a response head (as
// http.ReadResponse returns them): a *BadResponseError, unless it is a
// transport failure (timeout, reset, EOF), which stays as it is, or an
// *InvalidRequestError for a request that was not sent.
func BadResponse(err error) error {
	var ne net.Error
	var ir *InvalidRequestError
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ir) {
		return err
	}
	return &BadResponseError{err}
}
