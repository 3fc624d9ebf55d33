package proxy

import (
	"errors"
	"io"
	"math"
	"net"
)

// maxResponseHeaderBytes bounds the status line and header section of a
// backend response, interim (1xx) responses included; the same bound as
// the client side's default -max-header-bytes.
const maxResponseHeaderBytes = 1 << 20

const noLimit = math.MaxInt64

var errHeaderTooLarge = errors.New("backend response header exceeds 1 MiB")

// headerLimitReader reads from r and fails once n bytes were read. The
// backend client sets n while it reads a response header and lifts it for
// the body, whose size is the backend's business.
type headerLimitReader struct {
	r io.Reader
	n int64
}

func (l *headerLimitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// badResponseError marks a backend answer that is not valid HTTP/1.x
// (garbage, oversized header, unasked protocol switch): 502 Bad Gateway.
type badResponseError struct{ err error }

func (e *badResponseError) Error() string { return "invalid backend response: " + e.err.Error() }
func (e *badResponseError) Unwrap() error { return e.err }

// badResponse wraps a response-parsing error unless it is a transport
// failure (timeout, reset, EOF), which keeps its own status.
func badResponse(err error) error {
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	return &badResponseError{err}
}
