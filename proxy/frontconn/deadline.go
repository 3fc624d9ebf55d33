package frontconn

import "time"

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
	if !c.headDL.IsZero() {
		c.headDL = time.Time{}
		_ = c.inner.SetReadDeadline(c.readDL)
	}
	c.dlMu.Unlock()
}

// applyReadDeadline sets the earliest of the user's and the guard's read
// deadlines (head and idle wait) on the inner connection. dlMu is held, so that a deadline set
// by another goroutine (net/http sets one in the past to stop a
// background read) is never overwritten by an older one.
func (c *Conn) applyReadDeadline() error {
	d := c.readDL
	for _, g := range [...]time.Time{c.headDL, c.parkDL} {
		if !g.IsZero() && (d.IsZero() || g.Before(d)) {
			d = g
		}
	}
	return c.inner.SetReadDeadline(d)
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
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	c.readDL = t
	if c.headDL.IsZero() && c.parkDL.IsZero() {
		return c.inner.SetDeadline(t)
	}
	if err := c.inner.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.applyReadDeadline()
}

// SetWriteDeadline sets the write deadline of the connection.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.inner.SetWriteDeadline(t) }
