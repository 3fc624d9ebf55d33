package proxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/proxy/internal/h1"
)

// A client that stops sending its request body, or stops reading the
// response, must not hold a goroutine, buffers and a backend connection
// for ever. The listener's whole-request limits (http.Server ReadTimeout,
// WriteTimeout) are either long or off, because uploads and downloads may
// legitimately take long; what marks a dead client is lack of progress.
// So the proxy arms the client connection's deadline before each read of
// the request body and before each write of the response, at "now + idle
// timeout", never later than the absolute limits that apply (the
// listener's and the route's readTimeout/writeTimeout filters).

// errClientBodyIdle is what a request body read returns when the client
// sent nothing for the read-idle timeout: the request is answered 408.
var errClientBodyIdle = errors.New("client sent no request body bytes within the read idle timeout")

// connDeadliner is the part of the connection that net/http's response
// writers (HTTP/1 and HTTP/2) expose for http.ResponseController.
type connDeadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// deadlinerOf finds the deadline setters behind w, unwrapping response
// writers that wrap net/http's (the way http.ResponseController does),
// without the allocation of a ResponseController per request.
func deadlinerOf(w http.ResponseWriter) connDeadliner {
	for w != nil {
		if d, ok := w.(connDeadliner); ok {
			return d
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// earlier returns the earlier of a and b, where zero means "none".
func earlier(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// maxRearmAfter bounds how stale a write deadline may get before it is
// armed again: arming costs a timer update, so consecutive writes within
// an eighth of the idle timeout (at most a second) share one. The
// effective idle bound is then between 7/8 of the timeout and all of it.
const maxRearmAfter = time.Second

// clientDeadlines arms the client connection's deadlines for one request.
// It lives in the pooled reqCtx.
type clientDeadlines struct {
	conn       connDeadliner
	readIdle   time.Duration
	writeIdle  time.Duration
	readLimit  time.Time // absolute read deadline (listener, readTimeout filter); zero: none
	writeLimit time.Time // absolute write deadline (listener, writeTimeout filter); zero: none
	writeArmed time.Time // when the write deadline was last armed
}

// armWrite sets the write deadline for the next write unless it was armed
// recently (see maxRearmAfter). force arms it in any case: the first write of
// a response must not run into a deadline left from the previous request
// on the same connection.
func (d *clientDeadlines) armWrite(now time.Time, force bool) {
	if d.conn == nil || (d.writeIdle <= 0 && d.writeLimit.IsZero()) {
		return
	}
	if !force && now.Sub(d.writeArmed) < min(d.writeIdle/8, maxRearmAfter) {
		return
	}
	d.writeArmed = now
	var dl time.Time
	if d.writeIdle > 0 {
		dl = now.Add(d.writeIdle)
	}
	_ = d.conn.SetWriteDeadline(earlier(dl, d.writeLimit))
}

// idleBody wraps a request body so that each read waits at most the read
// idle timeout for the client. When the body ends the deadline goes back
// to the absolute limit: net/http keeps reading the connection in the
// background after the body, and an idle deadline left behind would cancel
// the request while the backend is still answering.
//
// It is allocated per request, not kept in the pooled reqCtx, and carries
// its own copy of the deadlines: http.Transport may go on reading a request
// body after RoundTrip returned (a backend that answered early), even
// after the request ended. detach, called when the request ends, stops it
// from touching the connection's deadline from then on, when the
// connection may already serve the next request.
type idleBody struct {
	rc       io.ReadCloser
	conn     connDeadliner
	idle     time.Duration
	limit    time.Time // absolute read deadline; zero: none
	timedOut atomic.Bool

	mu       sync.Mutex // guards done and detached
	done     bool       // the body ended or failed: no more deadlines
	detached bool
}

func newIdleBody(rc io.ReadCloser, d *clientDeadlines) *idleBody {
	return &idleBody{rc: rc, conn: d.conn, idle: d.readIdle, limit: d.readLimit}
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	if !b.done && !b.detached && b.idle > 0 {
		_ = b.conn.SetReadDeadline(earlier(time.Now().Add(b.idle), b.limit))
	}
	b.mu.Unlock()
	n, err := b.rc.Read(p)
	if err == nil {
		return n, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return n, err
	}
	b.done = true
	// The idle deadline or an absolute one: either way the request did
	// not arrive in the time the proxy waits for it (RFC 9110 §15.5.9,
	// 408). The deadline stays in the past: net/http would otherwise try
	// to read the rest of the body after the answer, and wait for ever.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		b.timedOut.Store(true)
		return n, errClientBodyIdle
	}
	if err == io.EOF && !b.detached {
		_ = b.conn.SetReadDeadline(b.limit)
	}
	return n, err
}

func (b *idleBody) Close() error { return b.rc.Close() }

// detach ends the body's say over the connection's read deadline.
func (b *idleBody) detach() {
	b.mu.Lock()
	b.detached = true
	b.mu.Unlock()
}

// initDeadlines prepares c's client deadlines. The absolute limits count
// from the start of the handler, a little after net/http started its own
// clocks, so they end at most a header-read time later than net/http's.
func (p *Proxy) initDeadlines(c *reqCtx) {
	d := &c.deadlines
	d.conn = deadlinerOf(c.w)
	d.readIdle, d.writeIdle = p.opts.ClientReadIdle, p.opts.ClientWriteIdle
	if t := p.opts.ServerReadTimeout; t > 0 {
		d.readLimit = c.start.Add(t)
	}
	if t := p.opts.ServerWriteTimeout; t > 0 {
		d.writeLimit = c.start.Add(t)
	}
}

// prepareBody puts the idle-deadline wrapper around c.req's body and reads
// small bodies in full (see bufferBody).
func (p *Proxy) prepareBody(c *reqCtx) error {
	r := c.req
	if !hasBody(r) {
		return nil
	}
	// The wrapper also tells a body that stalled past an absolute limit
	// (the listener's read timeout, readTimeout) from other failures, so
	// that it is answered 408 with or without an idle timeout.
	if d := &c.deadlines; d.conn != nil && (d.readIdle > 0 || !d.readLimit.IsZero()) {
		c.idle = newIdleBody(r.Body, d)
		r.Body = c.idle
	}
	if err := c.bufferBody(p.opts.BufferBodyBytes); err != nil {
		return &h1.RequestBodyError{Err: err}
	}
	return nil
}

// bodyError gives a failure of the backend step that was caused by the
// client's body stalling its status: 408 (RFC 9110 §15.5.9), with the
// connection closed since the rest of the body is still on it.
func (c *reqCtx) bodyError(err error) error {
	if c.idle != nil && c.idle.timedOut.Load() {
		return &proxyError{status: http.StatusRequestTimeout, err: errClientBodyIdle}
	}
	return err
}
