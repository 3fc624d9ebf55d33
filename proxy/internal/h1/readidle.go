package h1

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// errReadIdle is the error of a body read that waited longer than the read
// idle timeout (WithReadIdle's d) for the backend's next bytes. It is a
// net.Error whose Timeout is true, as Client's socket deadline error is.
var errReadIdle error = readIdleError{}

type readIdleError struct{}

func (readIdleError) Error() string {
	return "backend response body: no data within the read idle timeout"
}
func (readIdleError) Timeout() bool   { return true }
func (readIdleError) Temporary() bool { return true }

// WithReadIdle bounds, for a response of http.Transport (https, h2c,
// Expect requests), the wait of each body Read for the backend's next
// bytes by d, as Client does with a socket deadline: when it
// expires, the body is closed (which unblocks the Read in both of
// Transport's protocols) and the Read fails with errReadIdle. The proxy
// then aborts the client's response. d <= 0 leaves rsp unchanged.
func WithReadIdle(rsp *http.Response, d time.Duration) {
	if d <= 0 || rsp == nil || rsp.Body == nil || rsp.Body == http.NoBody {
		return
	}
	rsp.Body = &backendIdleBody{rc: rsp.Body, d: d}
}

// backendIdleBody arms a timer around each Read of rc. Reads are not concurrent
// (io.Reader); the timer's Close may run concurrently with one, which
// Transport's bodies allow.
type backendIdleBody struct {
	rc      io.ReadCloser
	d       time.Duration
	t       *time.Timer
	expired atomic.Bool
	once    sync.Once
}

func (b *backendIdleBody) Read(p []byte) (int, error) {
	if b.expired.Load() {
		return 0, errReadIdle
	}
	if b.t == nil {
		b.t = time.AfterFunc(b.d, b.expire)
	} else {
		b.t.Reset(b.d)
	}
	n, err := b.rc.Read(p)
	if !b.t.Stop() && b.expired.Load() && err != nil && err != io.EOF {
		// The timer closed the body under this Read: report why.
		err = errReadIdle
	}
	return n, err
}

func (b *backendIdleBody) expire() {
	b.expired.Store(true)
	b.closeBody()
}

func (b *backendIdleBody) closeBody() {
	b.once.Do(func() { _ = b.rc.Close() })
}

func (b *backendIdleBody) Close() error {
	if b.t != nil {
		b.t.Stop()
	}
	var err error
	b.once.Do(func() { err = b.rc.Close() })
	return err
}
