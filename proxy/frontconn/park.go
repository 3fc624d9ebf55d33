package frontconn

import (
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// Parking (Config.ParkIdleAfter). After a request, net/http waits for the
// next one with a Read of its 4 KiB buffer. The guard lets that Read wait
// ParkIdleAfter at most (a deadline of its own, like the head deadline);
// if no byte came by then and net/http's own deadline has not passed,
// the Read returns io.EOF. net/http then ends the connection: it puts its
// buffers back into its pools, calls Close and ends the goroutine. Close
// does not close the connection but parks it: a goroutine of its own reads
// the next byte, and the listener hands the connection out again in a new
// *Conn that holds the byte, with the framing state it needs.
//
// A Read is only ever cut short this way when it is net/http's wait for a
// next request: Handler saw the previous one through (startIdle), the
// framing is between requests with nothing held, and the Read is not
// net/http's one-byte background read. A hijacked connection never parks.

// startIdle is called by Handler when the handler of a request returned
// and the connection was not hijacked: the next wait for a head with
// nothing held is net/http's wait for the next request.
func (c *Conn) startIdle() {
	if c.s.park != nil {
		c.idle.Store(true)
	}
}

// idleWait reports whether the Read of p that is about to wait for bytes
// is net/http's wait for a next request, and if so arms the parking
// deadline.
func (c *Conn) idleWait(p []byte) bool {
	if c.s.park == nil || c.f.phase != phHead || c.f.heads == 0 || len(p) < minDirect ||
		c.pass.Load() || !c.idle.Swap(false) {
		return false
	}
	c.dlMu.Lock()
	c.parkDL = time.Now().Add(c.s.parkAfter)
	_ = c.applyReadDeadline()
	c.dlMu.Unlock()
	return true
}

// endIdleWait ends the parking deadline after the inner Read returned n
// and err; it reports whether it was that deadline that ended the Read,
// with no byte: then the connection parks.
func (c *Conn) endIdleWait(n int, err error) bool {
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	dl := c.parkDL
	c.parkDL = time.Time{} // applied by the next Read (deadline.go)
	if n > 0 || err == nil {
		return false
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		return false
	}
	now := time.Now()
	// Past net/http's own deadline (IdleTimeout) the timeout is its.
	if now.Before(dl) || (!c.readDL.IsZero() && !now.Before(c.readDL)) {
		return false
	}
	// No Read of c follows: the parked connection waits under net/http's
	// deadline, set here.
	_ = c.syncReadDeadline()
	return true
}

// park takes over c's inner connection once net/http let go of c.
func (l *listener) park(c *Conn) {
	inner := c.inner
	l.mu.Lock()
	if l.ctx.Err() != nil {
		l.mu.Unlock()
		_ = inner.Close()
		return
	}
	l.parked[inner] = struct{}{}
	l.wg.Add(1)
	l.mu.Unlock()
	go l.unpark(inner, c.tls, c.f.heads, c.f.afterPost)
}

// unpark waits for the first byte of the next request on a parked
// connection and hands the connection out again. The read deadline is
// still the one net/http set for the wait (its IdleTimeout): when it
// passes, or the client closes, or Close closes the connection, the
// connection ends as it would have in net/http.
func (l *listener) unpark(inner net.Conn, st *tls.ConnectionState, heads int, afterPost bool) {
	defer l.wg.Done()
	b := make([]byte, 1)
	var n int
	var err error
	for n == 0 && err == nil {
		n, err = inner.Read(b)
	}
	l.mu.Lock()
	delete(l.parked, inner)
	l.mu.Unlock()
	if n == 0 || l.ctx.Err() != nil {
		_ = inner.Close()
		return
	}
	// net/http clears the deadline once the next request starts, and
	// sets its ReadHeaderTimeout on a new connection.
	_ = inner.SetReadDeadline(time.Time{})
	c := newConn(inner, l.s, st)
	c.f.phase = phHead // an HTTP/1 connection: no HTTP/2 preface now
	c.f.heads = heads
	// net/http skips CR and LF after a POST body only on the connection
	// that read the POST; the new one's net/http would not, so the guard
	// drops them itself.
	c.f.afterPost, c.strip = afterPost, afterPost
	c.hold(b[:n])
	c.keepErr(n, err)
	l.deliver(c)
}
