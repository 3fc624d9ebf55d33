package h1server

import (
	"errors"
	"net"
	"sync"
	"time"
)

// watchAfter is how long a request runs before the server starts
// watching for its client leaving. net/http starts a read of one byte in
// the background on every request for it, which costs a goroutine wake-up
// and a system call per request; most requests of a proxy are over
// sooner than this, and for the others noticing a few milliseconds later
// makes no difference.
const watchAfter = 5 * time.Millisecond

// Watch states.
const (
	watchOff = iota
	watchArmed
	watchReading
)

// watch notices a client that leaves while its request is served: a read
// of one byte, started watchAfter after the request body was read (or at
// once for a request without one), and stopped when the handler returns.
// A client that closed its side makes the read end: the request's context
// is cancelled, as net/http does, and the connection closes after the
// response. A byte read is the first of the next request (pipelining)
// and is kept for it.
type watch struct {
	c *conn

	mu       sync.Mutex
	open     bool // the handler runs: arm may start the delay
	state    int
	timer    *time.Timer
	ctx      *reqContext // the request's
	aborting bool
	stopped  chan struct{} // a read ended that stop was waiting for
	gone     bool          // the client left during the request
}

// begin opens the watch of a request whose handler is about to run.
func (w *watch) begin(ctx *reqContext) {
	w.mu.Lock()
	w.ctx, w.gone, w.open = ctx, false, true
	w.mu.Unlock()
}

// arm starts the delay, unless the handler returned: the server reads
// the connection itself from then on (the rest of a body, the next
// request).
func (w *watch) arm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.open || w.state != watchOff {
		return
	}
	w.state = watchArmed
	if w.timer == nil {
		w.stopped = make(chan struct{}, 1)
		w.timer = time.AfterFunc(watchAfter, w.read)
		return
	}
	w.timer.Reset(watchAfter)
}

// read runs on the timer's goroutine. A timer that fired late, for an
// earlier arming, finds the state of the current one: at worst it starts
// the current watch early; and while another run of read is reading, it
// must leave the state alone, or stop would not wait for that read.
func (w *watch) read() {
	w.mu.Lock()
	if w.state != watchArmed {
		w.mu.Unlock()
		return
	}
	if w.c.br.Buffered() > 0 || w.c.hasByte {
		// The next request is there already: nothing to read, and
		// nothing would tell of the client leaving.
		w.state = watchOff
		w.mu.Unlock()
		return
	}
	w.state = watchReading
	w.mu.Unlock()

	n, err := w.c.gc.Read(w.c.oneByte[:])

	w.mu.Lock()
	defer w.mu.Unlock()
	w.state = watchOff
	var ne net.Error
	switch {
	case n == 1:
		w.c.hasByte = true
	case w.aborting && errors.As(err, &ne) && ne.Timeout():
		// stop's deadline ended the read.
	default:
		w.gone = true
		w.ctx.cancel()
	}
	if w.aborting {
		w.aborting = false
		w.stopped <- struct{}{}
	}
}

// aLongTimeAgo is a read deadline in the past: it ends a read at once.
var aLongTimeAgo = time.Unix(1, 0)

// stop ends the watch of the current request and waits for its read to
// end, if one started.
func (w *watch) stop() {
	w.mu.Lock()
	w.open = false
	switch w.state {
	case watchArmed:
		w.timer.Stop()
		w.state = watchOff
		w.mu.Unlock()
		return
	case watchOff:
		w.mu.Unlock()
		return
	}
	w.aborting = true
	_ = w.c.gc.SetReadDeadline(aLongTimeAgo)
	w.mu.Unlock()
	<-w.stopped
	_ = w.c.gc.SetReadDeadline(time.Time{})
}
