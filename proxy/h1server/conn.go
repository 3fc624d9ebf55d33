package h1server

import (
	"bufio"
	"context"
	"log"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/proxy/frontconn"
	"github.com/skiff-proxy/skiff/proxy/h1server/internal/respwriter"
)

// bufSize is the size of a connection's read and write buffers, as
// net/http's: a head that does not fit in the read buffer goes to
// net/http, which reads larger ones.
const bufSize = 4 << 10

var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bufSize) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, bufSize) }}
)

// Connection states, for Shutdown.
const (
	stateActive int32 = iota // reading or serving a request
	stateIdle                // waiting for the first byte of the next one
	stateClosed              // closed by Shutdown while idle
)

// conn is one client connection this server serves.
type conn struct {
	s      *Server
	hl     *handoffListener
	gc     *frontconn.Conn
	ctx    context.Context // the connection's: server, local address, the guard's ConnContext
	remote string
	state  atomic.Int32

	br *bufio.Reader // reads through conn.Read
	bw *bufio.Writer // writes to gc

	lastPost bool // net/http skips CR/LF after a POST body
	hijacked bool
	tooBig   bool // the request body left was too large to read: close gently
	// abandoned: the handler panicked; its writer may still reach the
	// buffers, which are not pooled again.
	abandoned bool

	body  *body // the current request's, nil without a body
	watch watch

	// hasByte: the watch for a client leaving read the first byte of
	// the next request, which Read returns first.
	hasByte bool
	oneByte [1]byte
}

func newConn(s *Server, hl *handoffListener, gc *frontconn.Conn, base context.Context) *conn {
	ctx := context.WithValue(base, http.LocalAddrContextKey, gc.LocalAddr())
	if s.HTTP.ConnContext != nil {
		ctx = s.HTTP.ConnContext(ctx, gc)
	}
	c := &conn{s: s, hl: hl, gc: gc, ctx: ctx, remote: gc.RemoteAddr().String()}
	c.watch.c = c
	return c
}

// Read is what the connection's bufio.Reader reads.
func (c *conn) Read(p []byte) (int, error) {
	if c.hasByte && len(p) > 0 {
		c.hasByte = false
		p[0] = c.oneByte[0]
		return 1, nil
	}
	return c.gc.Read(p)
}

// serve serves requests until the connection closes, is hijacked or is
// handed over to net/http.
func (c *conn) serve() {
	c.br = readers.Get().(*bufio.Reader)
	c.br.Reset(c)
	c.bw = writers.Get().(*bufio.Writer)
	c.bw.Reset(c.gc)
	served := 0
	for {
		if !c.awaitRequest(served) {
			c.close()
			return
		}
		head, ok := c.readHead()
		if !ok {
			c.handOver()
			return
		}
		var parsed http.Request
		if !parseHead(head, &parsed) {
			c.handOver()
			return
		}
		c.lastPost = parsed.Method == http.MethodPost
		_, _ = c.br.Discard(len(head))
		keep := c.serveRequest(&parsed)
		if c.hijacked {
			c.s.untrack(c)
			return
		}
		if !keep {
			c.close()
			return
		}
		served++
	}
}

// awaitRequest waits for the first byte of the next request, under
// net/http's deadlines: ReadHeaderTimeout (else ReadTimeout) before the
// first request, IdleTimeout (else ReadTimeout) between requests. False
// when the connection ends instead: closed, timed out, or parked by the
// guard (an idle keep-alive connection; frontconn.Config.ParkIdleAfter).
func (c *conn) awaitRequest(served int) bool {
	if c.br.Buffered() == 0 && !c.awaitByte(served) {
		return false
	}
	if served > 0 && c.br.Buffered() < 4 {
		// Between requests net/http waits for 4 bytes and closes
		// without an answer if the stream ends before (where a new
		// connection's first bytes get a 400); no head is shorter, and
		// the guard passes a head on only whole.
		if _, err := c.br.Peek(4); err != nil {
			return false
		}
	}
	return true
}

// awaitByte waits for the first byte of the next request with nothing
// read ahead.
func (c *conn) awaitByte(served int) bool {
	h := c.s.HTTP
	d := h.IdleTimeout
	if served == 0 {
		d = h.ReadHeaderTimeout
	}
	if d <= 0 {
		d = h.ReadTimeout
	}
	if d > 0 {
		_ = c.gc.SetReadDeadline(time.Now().Add(d))
	}
	if !c.state.CompareAndSwap(stateActive, stateIdle) {
		return false
	}
	if served > 0 {
		// The client sends its next request only once it has read this
		// response, so a read now mostly finds nothing (EAGAIN) and
		// parks the goroutine in the poller, to be woken and read again.
		// Under load, letting the other connections run first means the
		// request is mostly there when this one reads: one system call
		// and one goroutine wake-up fewer per request (bench/compare.sh:
		// +8 % requests/s at 8 connections, +17 % at 64; the same at 1,
		// where nothing else runs and the yield returns at once).
		runtime.Gosched()
	}
	_, err := c.br.Peek(1)
	return c.state.CompareAndSwap(stateIdle, stateActive) && err == nil
}

// readHead returns the next request head, complete, from the read
// buffer; false for a head this server leaves to net/http: one larger
// than the buffer, or cut short by the end of the stream (net/http
// answers that 400).
func (c *conn) readHead() ([]byte, bool) {
	if c.lastPost {
		// net/http skips up to 4 CR or LF after a POST body, a tolerance
		// for old clients (RFC 9112 §2.2); the guard has framed the next
		// head after them.
		b, _ := c.br.Peek(min(4, c.br.Buffered()))
		n := 0
		for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
			n++
		}
		_, _ = c.br.Discard(n)
		c.lastPost = false
		if c.br.Buffered() == 0 {
			if _, err := c.br.Peek(1); err != nil {
				return nil, false
			}
		}
	}
	for {
		b, _ := c.br.Peek(c.br.Buffered())
		if n := headEnd(b); n > 0 {
			return b[:n], true
		}
		if len(b) == c.br.Size() {
			return nil, false
		}
		// The guard passes a head on only when it is complete, so
		// the rest of it is on its way or held by the guard already.
		if _, err := c.br.Peek(len(b) + 1); err != nil {
			return nil, false
		}
	}
}

// serveRequest runs the handler for the request parsed into p and
// completes the response; it reports whether the connection may serve
// another request.
func (c *conn) serveRequest(p *http.Request) (keep bool) {
	h := c.s.HTTP
	now := time.Now()
	var readDL time.Time
	if h.ReadTimeout > 0 {
		readDL = now.Add(h.ReadTimeout)
	}
	_ = c.gc.SetReadDeadline(readDL)
	if h.WriteTimeout > 0 {
		_ = c.gc.SetWriteDeadline(now.Add(h.WriteTimeout))
	}

	ctx := newReqContext(c.ctx)
	defer ctx.cancel()
	req := p.WithContext(ctx)
	req.RemoteAddr = c.remote
	req.TLS = c.gc.TLS()
	c.body = nil
	if req.ContentLength > 0 {
		c.body = &body{c: c, ctx: ctx, n: req.ContentLength}
		req.Body = c.body
	}

	c.tooBig = false
	w := respwriter.New(c.bw, req, c)
	c.watch.begin(ctx)
	if c.body == nil {
		c.watch.arm()
	} else {
		// As net/http: a body read after the handler returned (or
		// panicked) fails, and never touches the connection again.
		// Deferred: Finish may still read the rest of it.
		defer c.body.Close()
	}
	if !c.runHandler(w, req) {
		// The writer was not finished: a goroutine the handler left
		// behind could still write into the connection's buffers, so
		// they must not go back to the pools, where another connection
		// would get them.
		c.abandoned = true
		return false
	}
	c.watch.stop()
	if w.Hijacked() {
		return false
	}
	keep, err := w.Finish()
	if err != nil || c.watch.gone || (c.body != nil && !c.body.settled()) {
		return false
	}
	return keep
}

// runHandler calls the handler; false if it panicked, which ends the
// connection (as in net/http, whose log line it writes, unless the panic
// is http.ErrAbortHandler).
func (c *conn) runHandler(w http.ResponseWriter, req *http.Request) (ok bool) {
	defer func() {
		if ok {
			return
		}
		err := recover()
		c.watch.stop()
		if err != http.ErrAbortHandler {
			const size = 64 << 10
			buf := make([]byte, size)
			buf = buf[:runtime.Stack(buf, false)]
			c.logf("http: panic serving %v: %v\n%s", c.remote, err, buf)
		}
		if !c.hijacked {
			// What the handler wrote so far goes out, then the
			// connection closes, as net/http does.
			_ = c.bw.Flush()
		}
	}()
	c.s.HTTP.Handler.ServeHTTP(w, req)
	return true
}

func (c *conn) logf(format string, args ...any) {
	if l := c.s.HTTP.ErrorLog; l != nil {
		l.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// handOver gives the connection, with the bytes read ahead, to net/http.
func (c *conn) handOver() {
	b, _ := c.br.Peek(c.br.Buffered())
	if c.hasByte {
		b = append(b, c.oneByte[0])
		c.hasByte = false
	}
	c.gc.Unread(b)
	c.release()
	c.s.untrack(c)
	c.hl.deliver(c.gc)
}

// close closes the connection (or lets the guard park it) and lets go of
// its buffers.
func (c *conn) close() {
	_ = c.bw.Flush()
	if c.tooBig {
		c.closeGently()
	}
	_ = c.gc.Close()
	c.release()
	c.s.untrack(c)
}

func (c *conn) release() {
	if !c.abandoned {
		c.br.Reset(nil)
		readers.Put(c.br)
		c.bw.Reset(nil)
		writers.Put(c.bw)
	}
	c.br, c.bw = nil, nil
}

// closeIfIdle closes the connection if it waits for a next request
// (Shutdown).
func (c *conn) closeIfIdle() {
	if c.state.CompareAndSwap(stateIdle, stateClosed) {
		_ = c.gc.Close()
	}
}

// The connection as respwriter.Conn.

func (c *conn) SetReadDeadline(t time.Time) error  { return c.gc.SetReadDeadline(t) }
func (c *conn) SetWriteDeadline(t time.Time) error { return c.gc.SetWriteDeadline(t) }

// Hijack hands the connection to the handler, as net/http's does: the
// watch for the client leaving stops first, and the buffered reader
// goes with it, holding what was read ahead.
func (c *conn) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c.watch.stop()
	c.hijacked = true
	_ = c.gc.SetDeadline(time.Time{})
	return c.gc, bufio.NewReadWriter(c.br, c.bw), nil
}

// KeepAlivesOff: the response head says Connection: close while the
// server shuts down, as net/http's does.
func (c *conn) KeepAlivesOff() bool { return c.s.inShutdown.Load() }

// SettleBody reads what the handler left of the request body, up to
// 256 KiB (net/http's maxPostHandlerReadBytes), so that the connection
// can serve the next request.
func (c *conn) SettleBody() (reuse, tooBig bool) {
	if c.body == nil {
		return true, false
	}
	reuse, tooBig = c.body.discard()
	c.tooBig = tooBig
	return reuse, tooBig
}

// rstAvoidanceDelay is how long a connection whose request body was left
// unread stays open after its write side closed, as net/http's.
const rstAvoidanceDelay = 500 * time.Millisecond

// closeGently closes the write side first and waits before the close:
// closing with unread request bytes makes TCP send a reset, which can
// destroy the response before the client read it (RFC 9112 §9.6).
func (c *conn) closeGently() {
	if c.gc.CloseWrite() == nil {
		time.Sleep(rstAvoidanceDelay)
	}
}
