package proxy

// Connection reuse contract of the HTTP/1.1 backend client.
//
// HTTP/1.1 pairs responses with requests by their order on a connection
// alone (RFC 9112 §9.3). A byte that arrives when no request is waiting,
// or a response whose end is uncertain, shifts that pairing: the next
// request on the connection — another client's — would get the answer to
// an earlier one. So a connection goes back to the idle pool only when
// every one of these holds after the exchange:
//
//   - the request was written completely and the response body was read
//     to the end its framing gives (Content-Length, last chunk and
//     trailer, or no body for HEAD, 204, 304: RFC 9112 §6.3);
//   - the framing was not in doubt: not both Content-Length and
//     Transfer-Encoding (RFC 9112 §6.3 item 3), not Transfer-Encoding in
//     an HTTP/1.0 response (RFC 9112 §6.1), not read until close;
//   - nothing follows the response in the read buffer (a body longer than
//     its Content-Length, a body after a HEAD/204/304 answer, a stray
//     response sent together with the real one);
//   - the response allows persistence (no "Connection: close", HTTP/1.0
//     only with keep-alive: RFC 9112 §9.3), the exchange was not
//     interrupted, and no unasked 101 or malformed answer came (those
//     are errors, after which the connection is closed).
//
// When a connection is taken out of the pool, right before the request
// is written, it is checked again: if anything arrived while it was idle
// (a stray response sent late, the rest of an over-long body, a 408 or
// the end of the stream), it is closed and the next idle one is tried, or
// a new one dialed. The check is a non-blocking MSG_PEEK receive
// (idleProbe). What it cannot catch is a stray response that arrives
// after the check, while the next request is under way: HTTP/1.1 has no
// way to tell it from the real answer. net/http's persistConn has the same
// limit; a backend that sends unsolicited responses while requests are in
// flight cannot be proxied safely over a shared connection.

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/skiff-proxy/skiff/proxy/internal/bufpool"
)

// roundTripper is what the proxy needs from a backend client. Keeping the
// backend call behind it lets the HTTP/1.1 client be swapped (or compared
// against http.Transport in benchmarks) without touching the request path.
type roundTripper interface {
	RoundTrip(*http.Request) (*http.Response, error)
}

// dialError marks a failure before any byte of the request was sent: the
// request may be retried on another endpoint and maps to 502.
type dialError struct{ err error }

func (e *dialError) Error() string { return "dial backend: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// requestBodyError marks a failure reading the client's request body while
// sending it (malformed chunking, client gone); it is not the backend's fault.
type requestBodyError struct{ err error }

func (e *requestBodyError) Error() string { return "read request body: " + e.err.Error() }
func (e *requestBodyError) Unwrap() error { return e.err }

var errUnexpectedSwitch = errors.New("backend switched protocols on a request that did not ask for it")

// aLongTimeAgo is a deadline in the past: setting it unblocks pending I/O.
var aLongTimeAgo = time.Unix(1, 0)

// h1Client is an HTTP/1.1 client for plain-TCP backends. It writes the
// request and reads the response on the caller's goroutine (no per-connection
// reader/writer goroutines, no channel hand-offs), which is what makes it
// about twice as fast as http.Transport for a proxy: see BenchmarkProxy.
type h1Client struct {
	dialer            net.Dialer
	maxIdlePerHost    int
	idleTimeout       time.Duration
	respHeaderTimeout time.Duration
	readIdle          time.Duration // bound on the wait for more of a response body
	disableKeepAlives bool
	bufPool           *bufpool.Pool

	mu     sync.Mutex
	pools  map[string]*hostPool
	closed bool
}

type hostPool struct {
	mu   sync.Mutex
	idle []*h1conn // LIFO: the most recently used connection is the least likely to be stale
}

type h1conn struct {
	nc        net.Conn
	sr        connReader // what br reads from
	br        *bufio.Reader
	bw        *bufio.Writer
	probe     idleProbe
	client    *h1Client
	addr      string
	idleSince time.Time
	deadline  bool // a deadline is set on nc and must be cleared before reuse
	// interrupted is set by interrupt, before it sets a deadline in the
	// past, so that a body read arming its idle deadline afterwards does
	// not undo the interruption.
	interrupted atomic.Bool
	interrupt   func()
}

// connReader is the socket side of a connection's bufio.Reader: it bounds
// the response header and, while a body is read, arms the idle deadline
// before each read from the socket — only when bufio needs more bytes.
type connReader struct {
	headerLimitReader
	pc      *h1conn
	idle    time.Duration // 0 while a header is read or when disabled
	limit   time.Time     // the request's deadline: the idle deadline never passes it
	limited bool
}

func (r *connReader) Read(p []byte) (int, error) {
	if r.idle > 0 {
		if err := r.pc.armIdle(); err != nil {
			return 0, err
		}
	}
	return r.headerLimitReader.Read(p)
}

// armIdle gives the next socket read of a body readIdle to deliver, and
// no more than the request's deadline. The read then fails with a
// timeout (a net.Error), which aborts the client's response.
func (pc *h1conn) armIdle() error {
	r := &pc.sr
	d := time.Now().Add(r.idle)
	if r.limited && r.limit.Before(d) {
		d = r.limit
	}
	if err := pc.nc.SetReadDeadline(d); err != nil {
		return err
	}
	pc.deadline = true
	if pc.interrupted.Load() {
		_ = pc.nc.SetReadDeadline(aLongTimeAgo)
	}
	return nil
}

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}
)

func newH1Client(t Timeouts, maxIdlePerHost int, disableKeepAlives bool, bp *bufpool.Pool) *h1Client {
	return &h1Client{
		dialer:            net.Dialer{Timeout: t.Dial, KeepAlive: t.KeepAlive},
		maxIdlePerHost:    maxIdlePerHost,
		idleTimeout:       t.IdleConn,
		respHeaderTimeout: t.ResponseHeader,
		readIdle:          max(t.ReadIdle, 0),
		disableKeepAlives: disableKeepAlives,
		bufPool:           bp,
		pools:             make(map[string]*hostPool),
	}
}

func (c *h1Client) hostPool(addr string) *hostPool {
	c.mu.Lock()
	hp := c.pools[addr]
	if hp == nil {
		hp = &hostPool{}
		c.pools[addr] = hp
	}
	c.mu.Unlock()
	return hp
}

// getConn returns an idle connection to addr that is fit for reuse, or
// dials a new one.
func (c *h1Client) getConn(ctx context.Context, addr string) (*h1conn, bool, error) {
	if pc := c.takeIdle(addr); pc != nil {
		return pc, true, nil
	}
	nc, err := c.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, &dialError{err}
	}
	return c.newConn(nc, addr), false, nil
}

// takeIdle pops the most recently used idle connection to addr that has
// not timed out and on which nothing arrived while it was idle; the ones
// that fail are closed.
func (c *h1Client) takeIdle(addr string) *h1conn {
	hp := c.hostPool(addr)
	now := time.Now()
	for {
		hp.mu.Lock()
		n := len(hp.idle)
		if n == 0 {
			hp.mu.Unlock()
			return nil
		}
		pc := hp.idle[n-1]
		hp.idle[n-1] = nil
		hp.idle = hp.idle[:n-1]
		hp.mu.Unlock()
		if c.idleTimeout > 0 && now.Sub(pc.idleSince) > c.idleTimeout {
			pc.close()
			continue
		}
		if pc.probe.receivedWhileIdle() {
			pc.close()
			continue
		}
		return pc
	}
}

func (c *h1Client) newConn(nc net.Conn, addr string) *h1conn {
	pc := &h1conn{nc: nc, client: c, addr: addr}
	pc.bw = writerPool.Get().(*bufio.Writer)
	pc.bw.Reset(nc)
	pc.sr = connReader{headerLimitReader: headerLimitReader{r: nc, n: noLimit}, pc: pc}
	pc.br = readerPool.Get().(*bufio.Reader)
	pc.br.Reset(&pc.sr)
	pc.probe.init(nc)
	pc.interrupt = func() {
		pc.interrupted.Store(true)
		_ = pc.nc.SetDeadline(aLongTimeAgo)
	}
	return pc
}

func (pc *h1conn) close() {
	_ = pc.nc.Close()
	if pc.br != nil {
		pc.br.Reset(nil)
		readerPool.Put(pc.br)
		pc.br = nil
	}
	if pc.bw != nil {
		pc.bw.Reset(nil)
		writerPool.Put(pc.bw)
		pc.bw = nil
	}
}

// release puts a connection whose response was fully read back into its
// pool, or closes it (see the reuse contract at the top of this file).
func (pc *h1conn) release(keep bool) {
	c := pc.client
	pc.sr.idle = 0
	if !keep || c.disableKeepAlives || c.maxIdlePerHost < 0 || pc.br.Buffered() > 0 {
		pc.close()
		return
	}
	if pc.deadline {
		if err := pc.nc.SetDeadline(time.Time{}); err != nil {
			pc.close()
			return
		}
		pc.deadline = false
	}
	pc.idleSince = time.Now()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		pc.close()
		return
	}
	// The pool is looked up again: closeIdle may have dropped the one the
	// connection came from.
	hp := c.pools[pc.addr]
	if hp == nil {
		hp = &hostPool{}
		c.pools[pc.addr] = hp
	}
	c.mu.Unlock()
	hp.mu.Lock()
	if c.maxIdlePerHost > 0 && len(hp.idle) >= c.maxIdlePerHost {
		hp.mu.Unlock()
		pc.close()
		return
	}
	hp.idle = append(hp.idle, pc)
	hp.mu.Unlock()
}

// closeIdle closes every idle connection and forgets hosts without
// connections (dynamic backends would otherwise grow the map for ever).
// With final set, connections released later are closed instead of pooled.
func (c *h1Client) closeIdle(final bool) {
	var idle []*h1conn
	c.mu.Lock()
	if final {
		c.closed = true
	}
	for addr, hp := range c.pools {
		hp.mu.Lock()
		idle = append(idle, hp.idle...)
		clear(hp.idle)
		hp.idle = hp.idle[:0]
		hp.mu.Unlock()
		delete(c.pools, addr)
	}
	c.mu.Unlock()
	for _, pc := range idle {
		pc.close()
	}
}

// RoundTrip sends req to req.URL.Host (host:port) over plain TCP. A
// request that cannot be sent as it is (checkRequest) fails with an
// *invalidRequestError before a connection is taken.
func (c *h1Client) RoundTrip(req *http.Request) (*http.Response, error) {
	host, err := checkRequest(req)
	if err != nil {
		return nil, err
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		pc, reused, err := c.getConn(ctx, req.URL.Host)
		if err != nil {
			return nil, err
		}
		rsp, stale, err := pc.roundTrip(ctx, req, host)
		if err == nil {
			return rsp, nil
		}
		pc.close()
		// A pooled connection the backend closed while it sat idle fails
		// before any response byte arrives. Sending again is safe only when
		// the request can be replayed and repeating it does no harm.
		if stale && reused && attempt == 0 && ctx.Err() == nil && replayable(req) {
			continue
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
}

func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// roundTrip runs one exchange on pc; host is the checked Host header.
// stale reports that the failure happened before any response byte was
// read, as when the backend closed an idle keep-alive connection.
func (pc *h1conn) roundTrip(ctx context.Context, req *http.Request, host string) (rsp *http.Response, stale bool, err error) {
	dl, hasDeadline := ctx.Deadline()
	if hasDeadline || pc.deadline {
		if err := pc.nc.SetDeadline(dl); err != nil {
			return nil, true, err
		}
		pc.deadline = hasDeadline
	}
	pc.interrupted.Store(false)
	stop := neverStop
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, pc.interrupt)
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()

	buf := pc.client.bufPool.Get()
	err = writeChecked(pc.bw, req, host, *buf)
	pc.client.bufPool.Put(buf)
	var writeErr error
	if err != nil {
		var be *requestBodyError
		var ie *invalidRequestError
		if errors.As(err, &be) || errors.As(err, &ie) {
			return nil, false, err
		}
		// The backend may have answered and stopped reading, as servers do
		// to refuse a large upload (401, 413): that answer is what the
		// client should get, if it is there.
		writeErr = err
	}

	if t := pc.client.respHeaderTimeout; t > 0 {
		hd := time.Now().Add(t)
		if !hasDeadline || hd.Before(dl) {
			if err := pc.nc.SetReadDeadline(hd); err != nil {
				return nil, false, err
			}
			pc.deadline = true
			// A cancellation whose interrupt ran before this line was
			// overwritten: look again.
			if err := ctx.Err(); err != nil {
				return nil, false, err
			}
		}
	}
	// Interim responses and the final header share one size budget, so a
	// backend cannot make the proxy buffer without end.
	pc.sr.n = maxResponseHeaderBytes
	if _, err := pc.br.Peek(1); err != nil {
		if writeErr != nil {
			return nil, true, writeErr
		}
		return nil, isConnGone(err), err
	}
	rsp, b, err := readResponse(pc.br, &pc.sr.headerLimitReader, req)
	if err != nil {
		return nil, false, err
	}
	pc.sr.n = noLimit
	if err := pc.startBody(ctx, dl, hasDeadline); err != nil {
		return nil, false, err // the caller closes the connection
	}

	b.pc, b.stop = pc, stop
	b.keep = b.keep && writeErr == nil
	if rsp.Body == http.NoBody {
		b.finish(true)
	}
	return rsp, false, nil
}

// startBody replaces the response-header deadline by the body's: the idle
// deadline armed before each socket read when readIdle is set, else the
// request's deadline.
func (pc *h1conn) startBody(ctx context.Context, dl time.Time, hasDeadline bool) error {
	if idle := pc.client.readIdle; idle > 0 {
		pc.sr.idle, pc.sr.limit, pc.sr.limited = idle, dl, hasDeadline
		return nil
	}
	if pc.client.respHeaderTimeout <= 0 {
		return nil
	}
	if err := pc.nc.SetReadDeadline(dl); err != nil {
		return err
	}
	pc.deadline = hasDeadline
	return ctx.Err()
}

// readResponse reads the final response to req from br, which reads
// through lr: the fast parser, else http.ReadResponse on a recorded copy
// of the head, which is then checked strictly (checkHeaderBlock). Interim
// 1xx responses are skipped; an unasked 101 is an error. The h1body
// returned knows whether the framing allows reuse (b.keep); it has no
// connection yet.
func readResponse(br *bufio.Reader, lr *headerLimitReader, req *http.Request) (*http.Response, *h1body, error) {
	for {
		fr, ferr := readResponseFast(br, req)
		if ferr == nil {
			fr.body.keep = !fr.rsp.Close && !fr.body.doubt
			return &fr.rsp, &fr.body, nil
		}
		if ferr != errSlowPath { //nolint:errorlint // sentinel of our own
			return nil, nil, badResponse(ferr)
		}
		lr.recordHeader(br)
		rsp, err := http.ReadResponse(br, req)
		raw := lr.stopRecording()
		if err != nil {
			return nil, nil, badResponse(err)
		}
		// On errors the caller closes the connection; closing the body
		// would drain it first.
		framing, err := checkHeaderBlock(raw)
		if err != nil {
			return nil, nil, &badResponseError{err}
		}
		switch code := rsp.StatusCode; {
		case code < 100:
			// net/http takes it for a final response, this loop would
			// take it for an interim one: neither is right (RFC 9110 §15).
			return nil, nil, &badResponseError{errStatusTooLow}
		case code == http.StatusSwitchingProtocols:
			return nil, nil, &badResponseError{errUnexpectedSwitch}
		case code < 200:
			// 100 Continue, 103 Early Hints ...: interim, wait for the
			// final one.
			continue
		}
		restoreConnection(rsp.Header, raw)
		b := &h1body{rc: rsp.Body}
		if rsp.Body != http.NoBody {
			rsp.Body = b
		}
		te := framing.transferEncoding
		b.doubt = te && (framing.contentLength || (rsp.ProtoMajor == 1 && rsp.ProtoMinor == 0))
		// A body read until the connection closes ends the connection
		// anyway: net/http sets Close for it.
		b.keep = !rsp.Close && !b.doubt
		return rsp, b, nil
	}
}

// neverStop stands in for the stop function of a context that cannot be
// canceled.
func neverStop() bool { return true }

func isConnGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// h1body hands the connection back when the response body is read to the
// end, and closes it when the body is abandoned early: draining an unknown
// rest (a stream) could block for ever.
type h1body struct {
	rc     io.ReadCloser
	pc     *h1conn
	stop   func() bool
	keep   bool // the response allows reuse (see the contract at the top)
	doubt  bool // the framing was ambiguous: never reuse
	eof    bool
	closed bool
	done   bool
}

func (b *h1body) Read(p []byte) (int, error) {
	switch {
	case b.closed:
		return 0, http.ErrBodyReadAfterClose
	case b.eof:
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.eof = true
		b.finish(true)
	}
	return n, err
}

func (b *h1body) Close() error {
	b.closed = true
	if !b.done {
		b.finish(false)
	}
	return nil
}

func (b *h1body) finish(complete bool) {
	if b.done {
		return
	}
	b.done = true
	pc := b.pc
	if pc == nil {
		return // parsed without a connection (tests)
	}
	interrupted := !b.stop()
	if !complete {
		// Closing the socket first makes the http body's own Close (which
		// would drain) return at once.
		_ = pc.nc.Close()
		_ = b.rc.Close()
		pc.close()
		return
	}
	pc.release(b.keep && !interrupted)
}
