package frontconn

import "time"

// Read deadlines are applied to the inner connection lazily. net/http sets
// the read deadline six or seven times per keep-alive request (header
// timeout, whole-request timeout, around its background read, the idle
// wait) and the guard adds its own (head, parking); each one set on a
// socket updates a runtime timer. Only the deadline in force when the
// inner connection is actually read matters, and a deadline set while a
// Read of it is blocked must reach it at once (net/http stops its
// background read with a deadline in the past). So the setters record the
// deadline and apply it only while an inner Read is in progress; innerRead
// applies the latest one before it reads.

// readDeadline is the earliest of the user's and the guard's read
// deadlines (head and idle wait); zero is none. dlMu is held.
func (c *Conn) readDeadline() time.Time {
	d := c.readDL
	for _, g := range [...]time.Time{c.headDL, c.parkDL} {
		if !g.IsZero() && (d.IsZero() || g.Before(d)) {
			d = g
		}
	}
	return d
}

// applyReadDeadline brings the inner connection's read deadline up to
// date if a Read of it is in progress; otherwise the next innerRead does.
// dlMu is held, so that a deadline set by another goroutine is never
// overwritten by an older one.
func (c *Conn) applyReadDeadline() error {
	if !c.reading {
		return nil
	}
	return c.syncReadDeadline()
}

// syncReadDeadline sets readDeadline on the inner connection unless it is
// the one set last. dlMu is held.
func (c *Conn) syncReadDeadline() error {
	d := c.readDeadline()
	if c.dlKnown && d.Equal(c.dlSet) {
		return nil
	}
	if err := c.inner.SetReadDeadline(d); err != nil {
		c.dlKnown = false
		return err
	}
	c.dlSet, c.dlKnown = d, true
	return nil
}

// innerRead reads the inner connection under the read deadline in force.
func (c *Conn) innerRead(p []byte) (int, error) {
	c.dlMu.Lock()
	if err := c.syncReadDeadline(); err != nil {
		c.dlMu.Unlock()
		return 0, err
	}
	c.reading = true
	c.dlMu.Unlock()
	n, err := c.inner.Read(p)
	c.dlMu.Lock()
	c.reading = false
	c.dlMu.Unlock()
	return n, err
}

// armHeadDeadline starts the HeadTimeout of the incomplete head.
func (c *Conn) armHeadDeadline() {
	if c.s.headTimeout <= 0 || !c.need || c.armedFor == c.f.heads {
		return
	}
	c.armedFor = c.f.heads
	c.dlMu.Lock()
	c.headDL = time.Now().Add(c.s.headTimeout)
	_ = c.applyReadDeadline()
	c.dlMu.Unlock()
}

// checkHeadDeadline ends the head deadline once its head is complete.
func (c *Conn) checkHeadDeadline() {
	if c.armedFor >= 0 && (!c.need || c.armedFor != c.f.heads) {
		c.disarmHead()
	}
}

func (c *Conn) disarmHead() {
	if c.armedFor < 0 {
		return
	}
	c.armedFor = -1
	c.dlMu.Lock()
	c.headDL = time.Time{}
	_ = c.applyReadDeadline()
	c.dlMu.Unlock()
}

// SetReadDeadline bounds the Reads of the connection, including the
// guard's own reads of a head it holds.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	c.readDL = t
	return c.applyReadDeadline()
}

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.inner.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// SetWriteDeadline sets the write deadline of the connection.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.inner.SetWriteDeadline(t) }
