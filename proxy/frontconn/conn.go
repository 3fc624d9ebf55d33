package frontconn

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is an accepted client connection read through the guard. It holds
// each request head until it is complete and valid, passes bodies on as
// they come, straight into the reader's buffer, and stops at the start of
// the next head. Writes go to the connection untouched.
//
// net/http reads a Conn from one goroutine at a time (its background read
// of one byte included); other methods may be called concurrently.
type Conn struct {
	inner net.Conn
	s     *settings
	tls   *tls.ConnectionState

	rmu sync.Mutex // held by Read; guards the fields down to armedFor

	// Held bytes are buf[r:w]; buf[r:ready] may be passed on, buf[ready:w]
	// is the start of a head that is not complete yet (need). buf is an
	// allowance-sized pooled array (arr) or, for a larger head, a slice
	// paid for by reserved bytes of the listener's budget.
	arr         *[allowance]byte
	buf         []byte
	r, ready, w int
	reserved    int64
	need        bool

	f        framer
	pend     *refusal     // a refused head, answered once buf[r:ready] is out
	perr     error        // a framing error, reported once buf[r:ready] is out
	rerr     error        // an error of the inner Read, reported after the bytes read with it
	err      error        // the connection failed: every Read returns err
	synOff   int          // bytes of the synthetic head passed on
	armedFor int          // f.heads when the head deadline was armed, or -1
	onHead   func([]byte) // test hook: each head passed on, without skipped CR/LF
	strip    bool         // drop the CR/LF after a POST before the next head (an unparked Conn)
	skip     int          // bytes of them to drop from buf[r:]

	pass   atomic.Bool  // Passthrough was called
	status atomic.Int32 // status of the refused head, once its synthetic head is read
	closed atomic.Bool
	idle   atomic.Bool // Handler saw a request through: the next wait for a head may park
	parked atomic.Bool // Read returned io.EOF to park: Close parks instead of closing

	dlMu    sync.Mutex
	readDL  time.Time // read deadline set by the user of the Conn
	headDL  time.Time // the guard's own deadline of the current head, or zero
	parkDL  time.Time // the guard's deadline of an idle wait, or zero
	dlSet   time.Time // the read deadline last set on inner (see deadline.go)
	dlKnown bool      // dlSet is inner's read deadline
	reading bool      // an innerRead is in progress
}

func newConn(inner net.Conn, s *settings, st *tls.ConnectionState) *Conn {
	c := &Conn{inner: inner, s: s, tls: st, armedFor: -1}
	if s.h2c {
		c.f.phase = phPreface
	}
	return c
}

// minDirect is the smallest reader's buffer the guard reads a head into
// directly; below it (net/http's one-byte background read) it reads into
// its own.
const minDirect = 1024

var (
	errPassRefused = errors.New("frontconn: passthrough after a refused request")
	errOverflow    = errors.New("frontconn: read-ahead does not fit the held buffer")
)

// Read passes on the bytes of the connection once the guard has checked
// them. A refused head is replaced by a synthetic request for Handler,
// followed by io.EOF.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	n, err := c.read(p)
	c.rmu.Unlock()
	if c.closed.Load() && c.rmu.TryLock() {
		c.dropBuf()
		c.rmu.Unlock()
	}
	return n, err
}

func (c *Conn) read(p []byte) (int, error) {
	for {
		// Bytes passed on already go first, even those put back by
		// Unread ahead of a failure.
		if c.r < c.ready {
			n := copy(p, c.buf[c.r:c.ready])
			c.r += n
			c.released()
			return n, nil
		}
		if c.err != nil {
			return 0, c.err
		}
		if c.pass.Load() && c.f.phase != phPass {
			c.enterPass()
			continue
		}
		if c.status.Load() != 0 {
			if c.synOff < len(synthetic) {
				n := copy(p, synthetic[c.synOff:])
				c.synOff += n
				return n, nil
			}
			return 0, io.EOF
		}
		if c.pend != nil {
			if len(p) == 1 {
				if err := c.holdRefusal(); err != nil {
					return 0, err
				}
			}
			c.refuse()
			continue
		}
		if c.perr != nil {
			c.fail(c.perr)
			continue
		}
		if c.r < c.w && !c.need {
			c.ready = c.r + c.process(c.buf[c.r:c.w])
			c.r += c.skip
			c.skip = 0
			c.checkHeadDeadline()
			continue
		}
		if err := c.rerr; err != nil {
			c.rerr = nil
			if c.readErr(err) {
				continue
			}
			return 0, err
		}
		if c.f.phase == phPass {
			return c.innerRead(p)
		}
		if c.r == c.w && (c.f.phase >= phLength || len(p) >= minDirect) {
			// Nothing held: read into the caller's buffer and pass on
			// in place what turns out to be fine.
			idle := c.idleWait(p)
			n, err := c.innerRead(p[:c.f.directLimit(len(p))])
			if idle && c.endIdleWait(n, err) {
				c.parked.Store(true)
				return 0, io.EOF
			}
			c.keepErr(n, err)
			if n > 0 {
				k := c.process(p[:n])
				if k < n && !c.hold(p[k:n]) {
					continue
				}
				c.checkHeadDeadline()
				if k > 0 {
					return k, nil
				}
			}
			continue
		}
		// More of an incomplete head.
		if !c.makeRoom() {
			continue
		}
		c.armHeadDeadline()
		n, err := c.innerRead(c.buf[c.w:])
		c.w += n
		if n > 0 {
			c.need = false
		}
		c.keepErr(n, err)
	}
}

// keepErr keeps the error of an inner Read for when the bytes read with
// it are out. A timeout that came with bytes is dropped: the deadline may
// have moved since, and if not the next Read times out again.
func (c *Conn) keepErr(n int, err error) {
	if err == nil {
		return
	}
	var ne net.Error
	if n > 0 && errors.As(err, &ne) && ne.Timeout() {
		return
	}
	c.rerr = err
}

// readErr handles an error of the inner Read; it reports whether there
// are bytes to pass on before the error.
func (c *Conn) readErr(err error) bool {
	if err == io.EOF && c.r < c.w {
		// The stream ends inside a head. net/http fails every head that
		// lacks its empty line (it answers 400),
		// so the bytes can go to it as they are; then EOF.
		c.f.phase = phPass
		c.need = false
		c.ready = c.w
		c.rerr = err
		c.disarmHead()
		return true
	}
	if c.r == c.w {
		c.dropBuf()
	}
	return false
}

// released tidies the held buffer after bytes of it were passed on.
func (c *Conn) released() {
	switch {
	case c.r == c.w:
		c.dropBuf()
	case c.arr == nil && c.w-c.r <= allowance/2:
		// What is left of a large head's buffer fits a small one: give
		// the budget back now rather than when it drains.
		arr := headBufs.Get().(*[allowance]byte)
		c.w = copy(arr[:], c.buf[c.r:c.w])
		c.ready -= c.r
		c.r = 0
		c.s.budget.give(c.reserved)
		c.reserved = 0
		c.arr, c.buf = arr, arr[:]
	}
}

// hold keeps rest, read into the caller's buffer but not passed on.
func (c *Conn) hold(rest []byte) bool {
	if len(rest) > allowance {
		c.fail(errOverflow) // directLimit prevents it
		return false
	}
	if c.buf == nil {
		c.arr = headBufs.Get().(*[allowance]byte)
		c.buf = c.arr[:]
	}
	c.r, c.ready = 0, 0
	c.w = copy(c.buf, rest)
	return true
}

// makeRoom makes space after buf[w] for more of the incomplete head at
// buf[r:w], growing the buffer on the listener's budget; false if it
// refused the head instead.
func (c *Conn) makeRoom() bool {
	switch {
	case c.buf == nil:
		c.arr = headBufs.Get().(*[allowance]byte)
		c.buf = c.arr[:]
		c.r, c.ready, c.w = 0, 0, 0
		return true
	case c.w < len(c.buf):
		return true
	case c.r > 0:
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.ready -= c.r
		c.r = 0
		return true
	}
	size := min(2*len(c.buf), c.s.maxHead+1)
	if size <= len(c.buf) {
		c.pend = errHeadTooLarge // scan refuses it first
		return false
	}
	extra := int64(size-allowance) - c.reserved
	if !c.s.budget.take(extra) {
		c.pend = errBudget
		return false
	}
	c.reserved += extra
	nb := make([]byte, size)
	copy(nb, c.buf[:c.w])
	if c.arr != nil {
		headBufs.Put(c.arr)
		c.arr = nil
	}
	c.buf = nb
	return true
}

// dropBuf lets go of the held buffer and the budget it used.
func (c *Conn) dropBuf() {
	if c.arr != nil {
		headBufs.Put(c.arr)
		c.arr = nil
	}
	if c.reserved > 0 {
		c.s.budget.give(c.reserved)
		c.reserved = 0
	}
	c.buf = nil
	c.r, c.ready, c.w = 0, 0, 0
	c.need = false
}

// fail ends the connection on a framing error: net/http sees a read error.
func (c *Conn) fail(err error) {
	c.s.debug(c.inner.RemoteAddr(), 0, err.Error())
	c.err = err
	c.perr = nil
	c.dropBuf()
	c.disarmHead()
}

// enterPass stops the framing for good (Passthrough).
func (c *Conn) enterPass() {
	if c.status.Load() != 0 {
		// Part of the synthetic head may be in net/http's buffer,
		// which the hijacker gets: the stream cannot be made whole.
		c.fail(errPassRefused)
		return
	}
	c.pend, c.perr = nil, nil
	c.f.phase = phPass
	c.need = false
	c.ready = c.w
	c.disarmHead()
}

// Passthrough stops the guard: the bytes it holds and all that follow are
// passed on unchanged. The proxy calls it on the connection it hijacked
// after a 101 (Switching Protocols), when the bytes are no longer HTTP/1.
// Bytes the client sent early, behind its upgrade request, come out as
// they were even if the guard took them for a head to refuse: it holds a
// refusal back from net/http's read-ahead. Only if net/http had already
// begun to read the synthetic request (the early bytes filled the
// guard's buffer, or the client closed its side) does Read fail instead.
func (c *Conn) Passthrough() {
	c.pass.Store(true)
	c.dlMu.Lock()
	c.headDL = time.Time{}
	_ = c.applyReadDeadline()
	c.dlMu.Unlock()
}

// Write writes to the connection.
func (c *Conn) Write(p []byte) (int, error) { return c.inner.Write(p) }

// ReadFrom lets net/http use sendfile or splice of the inner connection.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.inner.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.inner}, r)
}

type writerOnly struct{ io.Writer }

type closeWriter interface{ CloseWrite() error }

var errNoCloseWrite = errors.New("frontconn: connection cannot close its write side")

// CloseWrite shuts down the writing side of the connection, if the inner
// connection can.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.inner.(closeWriter); ok {
		return cw.CloseWrite()
	}
	return errNoCloseWrite
}

// Close closes the connection, or parks it if its last Read parked it
// (Config.ParkIdleAfter).
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		if c.parked.Load() {
			return nil // the inner connection is not c's any more
		}
		return c.inner.Close()
	}
	if c.parked.Load() {
		c.s.park.park(c)
		return nil
	}
	if c.status.Load() != 0 {
		c.linger()
	}
	err := c.inner.Close()
	if c.rmu.TryLock() {
		c.dropBuf()
		c.rmu.Unlock()
	}
	return err
}

// LocalAddr returns the local address of the connection.
func (c *Conn) LocalAddr() net.Addr { return c.inner.LocalAddr() }

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.inner.RemoteAddr() }

// NetConn returns the connection the guard reads from: a *tls.Conn for
// connections of NewTLSListener.
func (c *Conn) NetConn() net.Conn { return c.inner }

// TLS returns the state of the TLS connection the guard reads from, nil
// for a plain one. Handler sets it as Request.TLS, since net/http only
// sets that for a *tls.Conn.
func (c *Conn) TLS() *tls.ConnectionState { return c.tls }

// Unread puts b back in front of the bytes still to come: b must be the
// last bytes Read returned, which the caller read ahead and did not
// consume. The next Reads return them first, then what follows them.
// skiff's own HTTP/1.1 server calls it when it hands a connection over to
// net/http's with a request it does not serve itself: the guard has
// framed those bytes already, so they pass on unchecked.
func (c *Conn) Unread(b []byte) {
	if len(b) == 0 {
		return
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	held := c.buf[c.r:c.w] // empty when nothing is held: dropBuf zeroes the offsets
	n := len(b) + len(held)
	var nb []byte
	var arr *[allowance]byte
	if n <= allowance {
		arr = headBufs.Get().(*[allowance]byte)
		nb = arr[:]
	} else {
		// Beyond the allowance the bytes are already in memory, the
		// caller's: the copy is not drawn from the budget.
		nb = make([]byte, n)
	}
	copy(nb[copy(nb, b):], held)
	ready := len(b) + c.ready - c.r
	if c.arr != nil {
		headBufs.Put(c.arr)
	}
	c.arr, c.buf = arr, nb
	c.r, c.ready, c.w = 0, ready, n
}
