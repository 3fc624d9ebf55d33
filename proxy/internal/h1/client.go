package h1

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

var errUnexpectedSwitch = errors.New("backend switched protocols on a request that did not ask for it")

// aLongTimeAgo is a deadline in the past: setting it unblocks pending I/O.
var aLongTimeAgo = time.Unix(1, 0)

// Config configures a Client. The zero value is usable: no timeouts, no
// bound on idle connections, a buffer pool of the client's own.
type Config struct {
	// DialTimeout bounds the TCP connect (net.Dialer.Timeout).
	DialTimeout time.Duration
	// KeepAlive is the TCP keep-alive period of the connections
	// (net.Dialer.KeepAlive: zero means Go's default, negative none).
	KeepAlive time.Duration
	// ResponseHeaderTimeout bounds the wait for the response head, interim
	// responses included, once the request was written; zero: none.
	ResponseHeaderTimeout time.Duration
	// ReadIdleTimeout bounds each wait for more bytes of a response body,
	// never past the request's deadline; zero or negative: none. A body
	// read that waits longer fails with a timeout (a net.Error).
	ReadIdleTimeout time.Duration
	// IdleConnTimeout: a connection idle in the pool for longer is closed
	// instead of reused; zero: no bound.
	IdleConnTimeout time.Duration
	// MaxIdlePerHost bounds the idle connections kept per host:port; zero
	// means no bound, negative keeps none.
	MaxIdlePerHost int
	// MaxIdle bounds the idle connections kept for all hosts together; zero
	// or negative: no bound. A connection released while the bound is
	// reached is closed.
	MaxIdle int
	// DisableKeepAlives closes every connection after its exchange.
	DisableKeepAlives bool
	// Buffers lends the buffers request bodies are copied through, so that
	// they can be shared with other copies; nil: a pool of the client's own.
	Buffers *bufpool.Pool
}

// Client is an HTTP/1.1 client for plain-TCP backends. It writes the
// request and reads the response on the caller's goroutine (no per-connection
// reader/writer goroutines, no channel hand-offs), which is what makes it
// about twice as fast as http.Transport for a proxy (proxy's BenchmarkProxy).
// See the package documentation for when a connection is reused and what
// a caller must do with a response. A Client is safe for concurrent use.
type Client struct {
	dialer            net.Dialer
	maxIdlePerHost    int
	maxIdle           int
	idleTotal         atomic.Int64 // connections in all pools
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
	idle []*conn // LIFO: the most recently used connection is the least likely to be stale
}

type conn struct {
	nc        net.Conn
	sr        connReader // what br reads from
	br        *bufio.Reader
	bw        *bufio.Writer
	probe     idleProbe
	client    *Client
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
	HeaderLimitReader
	pc      *conn
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
	return r.HeaderLimitReader.Read(p)
}

// armIdle gives the next socket read of a body readIdle to deliver, and
// no more than the request's deadline. The read then fails with a
// timeout (a net.Error), which aborts the client's response.
func (pc *conn) armIdle() error {
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

// NewClient returns a client with no connections; Close it to close the
// idle ones.
func NewClient(cfg Config) *Client {
	bp := cfg.Buffers
	if bp == nil {
		bp = bufpool.New()
	}
	return &Client{
		dialer:            net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: cfg.KeepAlive},
		maxIdlePerHost:    cfg.MaxIdlePerHost,
		maxIdle:           cfg.MaxIdle,
		idleTimeout:       cfg.IdleConnTimeout,
		respHeaderTimeout: cfg.ResponseHeaderTimeout,
		readIdle:          max(cfg.ReadIdleTimeout, 0),
		disableKeepAlives: cfg.DisableKeepAlives,
		bufPool:           bp,
		pools:             make(map[string]*hostPool),
	}
}

func (c *Client) hostPool(addr string) *hostPool {
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
func (c *Client) getConn(ctx context.Context, addr string) (*conn, bool, error) {
	if pc := c.takeIdle(addr); pc != nil {
		return pc, true, nil
	}
	nc, err := c.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, &DialError{err}
	}
	return c.newConn(nc, addr), false, nil
}

// takeIdle pops the most recently used idle connection to addr that has
// not timed out and on which nothing arrived while it was idle; the ones
// that fail are closed.
func (c *Client) takeIdle(addr string) *conn {
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
		c.idleTotal.Add(-1)
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

func (c *Client) newConn(nc net.Conn, addr string) *conn {
	pc := &conn{nc: nc, client: c, addr: addr}
	pc.bw = writerPool.Get().(*bufio.Writer)
	pc.bw.Reset(nc)
	pc.sr = connReader{HeaderLimitReader: HeaderLimitReader{r: nc, n: noLimit}, pc: pc}
	pc.br = readerPool.Get().(*bufio.Reader)
	pc.br.Reset(&pc.sr)
	pc.probe.init(nc)
	pc.interrupt = func() {
		pc.interrupted.Store(true)
		_ = pc.nc.SetDeadline(aLongTimeAgo)
	}
	return pc
}

func (pc *conn) close() {
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
// pool, or closes it (see the reuse contract in doc.go).
func (pc *conn) release(keep bool) {
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
	if n := c.idleTotal.Add(1); c.maxIdle > 0 && n > int64(c.maxIdle) {
		c.idleTotal.Add(-1)
		hp.mu.Unlock()
		pc.close()
		return
	}
	hp.idle = append(hp.idle, pc)
	hp.mu.Unlock()
}

// CloseIdle closes every idle connection and forgets hosts without
// connections (dynamic backends would otherwise grow the map for ever).
// Connections in use go back to the pool as usual. Calling it
// periodically makes the client dial again, and so resolve host names
// again.
func (c *Client) CloseIdle() { c.closeIdle(false) }

// Close closes every idle connection, and every connection in use once
// its exchange ends, instead of pooling it. Round trips still work after
// Close, each on a new connection.
func (c *Client) Close() { c.closeIdle(true) }

// closeIdle closes every idle connection and forgets every host pool.
// With final set, connections released later are closed instead of pooled.
func (c *Client) closeIdle(final bool) {
	var idle []*conn
	c.mu.Lock()
	if final {
		c.closed = true
	}
	for addr, hp := range c.pools {
		hp.mu.Lock()
		idle = append(idle, hp.idle...)
		c.idleTotal.Add(-int64(len(hp.idle)))
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

// RoundTrip sends req to req.URL.Host (host:port) over plain TCP and
// returns the final response, whose body the caller must read to the end
// or close (see the package documentation). req's context bounds the
// whole exchange, body included. The errors tell who failed:
//   - *InvalidRequestError: req cannot be sent as it is (ValidateRequest);
//     nothing was sent and no connection taken;
//   - *DialError: the connect failed; nothing was sent;
//   - *RequestBodyError: reading req.Body failed while it was sent;
//   - *BadResponseError: the backend's answer is not valid HTTP/1.1 or
//     not one the request allows (an unasked 101);
//   - the context's error when it ended the exchange, else a transport
//     error (a net.Error for timeouts, io.EOF or io.ErrUnexpectedEOF for
//     a connection closed early).
func (c *Client) RoundTrip(req *http.Request) (*http.Response, error) {
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
func (pc *conn) roundTrip(ctx context.Context, req *http.Request, host string) (rsp *http.Response, stale bool, err error) {
	dl, hasDeadline := ctx.Deadline()
	if hasDeadline || pc.deadline {
		if err := pc.nc.SetDeadline(dl); err != nil {
			return nil, true, err
		}
		pc.deadline = hasDeadline
	}
	pc.interrupted.Store(false)
	stop := neverStop
	if af, ok := ctx.(afterFuncer); ok {
		// A context with an AfterFunc method of its own (the request
		// context of skiff's HTTP/1.1 server) is asked directly:
		// context.AfterFunc would wrap it in a context of its own, and
		// ctx.Done would make a channel nothing else needs.
		stop = af.AfterFunc(pc.interrupt)
	} else if ctx.Done() != nil {
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
		var be *RequestBodyError
		var ie *InvalidRequestError
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
	pc.sr.n = MaxResponseHeaderBytes
	if _, err := pc.br.Peek(1); err != nil {
		if writeErr != nil {
			return nil, true, writeErr
		}
		return nil, isConnGone(err), err
	}
	rsp, b, err := readResponse(pc.br, &pc.sr.HeaderLimitReader, req)
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
func (pc *conn) startBody(ctx context.Context, dl time.Time, hasDeadline bool) error {
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
func readResponse(br *bufio.Reader, lr *HeaderLimitReader, req *http.Request) (*http.Response, *h1body, error) {
	for {
		fr, ferr := readResponseFast(br, req)
		if ferr == nil {
			fr.body.keep = !fr.rsp.Close && !fr.body.doubt
			return &fr.rsp, &fr.body, nil
		}
		if ferr != errSlowPath { //nolint:errorlint // sentinel of our own
			return nil, nil, BadResponse(ferr)
		}
		lr.RecordHeader(br)
		rsp, err := http.ReadResponse(br, req)
		raw := lr.StopRecording()
		if err != nil {
			return nil, nil, BadResponse(err)
		}
		// On errors the caller closes the connection; closing the body
		// would drain it first.
		framing, err := checkHeaderBlock(raw)
		if err != nil {
			return nil, nil, &BadResponseError{err}
		}
		switch code := rsp.StatusCode; {
		case code < 100:
			// net/http takes it for a final response, this loop would
			// take it for an interim one: neither is right (RFC 9110 §15).
			return nil, nil, &BadResponseError{errStatusTooLow}
		case code == http.StatusSwitchingProtocols:
			return nil, nil, &BadResponseError{errUnexpectedSwitch}
		case code < 200:
			// 100 Continue, 103 Early Hints ...: interim, wait for the
			// final one.
			continue
		}
		RestoreConnection(rsp.Header, raw)
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

// afterFuncer is a context that schedules functions for its cancellation
// itself, as context.AfterFunc documents.
type afterFuncer interface {
	AfterFunc(func()) (stop func() bool)
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
	pc     *conn
	stop   func() bool
	keep   bool // the response allows reuse (see the contract in doc.go)
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
