package proxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"time"
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
// less than rearmAfter ago. force arms it in any case: the first write of
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
// idle timeout for the client. When the body ends (or fails) the deadline
// goes back to the absolute limit: net/http keeps reading the connection
// in the background after the body, and an idle deadline left behind would
// cancel the request while the backend is still answering.
type idleBody struct {
	rc       io.ReadCloser
	d        *clientDeadlines
	timedOut bool // a read ran into the idle deadline
	done     bool
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.done {
		return b.rc.Read(p)
	}
	d := b.d
	now := time.Now()
	dl := now.Add(d.readIdle)
	if !d.readLimit.IsZero() && d.readLimit.Before(dl) {
		dl = d.readLimit
	}
	_ = d.conn.SetReadDeadline(dl)
	n, err := b.rc.Read(p)
	if err == nil {
		return n, nil
	}
	b.done = true
	// The idle deadline or an absolute one: either way the request did
	// not arrive in the time the proxy waits for it (RFC 9110 §15.5.9,
	// 408). The deadline stays in the past: net/http would otherwise try
	// to read the rest of the body after the answer, and wait for ever.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		b.timedOut = true
		return n, errClientBodyIdle
	}
	if err == io.EOF {
		_ = d.conn.SetReadDeadline(d.readLimit)
	}
	return n, err
}

func (b *idleBody) Close() error { return b.rc.Close() }

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
	if c.deadlines.conn != nil && c.deadlines.readIdle > 0 {
		c.idleBody = idleBody{rc: r.Body, d: &c.deadlines}
		r.Body = &c.idleBody
	}
	if err := c.bufferBody(p.opts.BufferBodyBytes); err != nil {
		return &requestBodyError{err}
	}
	return nil
}

// bodyError gives a failure of the backend step that was caused by the
// client's body stalling its status: 408 (RFC 9110 §15.5.9), with the
// connection closed since the rest of the body is still on it.
func (c *reqCtx) bodyError(err error) error {
	if c.idleBody.timedOut {
		return &proxyError{status: http.StatusRequestTimeout, err: errClientBodyIdle}
	}
	return err
}
