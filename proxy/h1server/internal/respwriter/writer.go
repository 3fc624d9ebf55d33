package respwriter

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Conn is what a Writer needs of the connection it answers on.
type Conn interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error

	// Hijack hands the connection to the handler (http.Hijacker): the
	// net.Conn and a bufio.ReadWriter whose reader holds the bytes already
	// read. The Writer flushes its buffered output before calling it, and
	// after a successful hijack every Write returns http.ErrHijacked, as
	// net/http does.
	Hijack() (net.Conn, *bufio.ReadWriter, error)

	// SettleBody does what net/http does with the request body when the
	// response head is about to be written (chunkWriter.writeHeader), so
	// that a client which sends its whole request before reading the
	// response does not deadlock and the next request can be found. It is
	// called at most once, and only if the request has a body
	// (req.ContentLength != 0), the connection is not already to be closed
	// after this response and full duplex was not enabled. As net/http:
	//
	//   - body already closed by the handler: reuse if that close saw the
	//     end of the body, else not (tooBig false);
	//   - 256 KiB or more known to be left (declared length): tooBig;
	//   - otherwise read and discard up to 256 KiB + 1 bytes: more left is
	//     tooBig; the end of the body closes it and reuse is whether that
	//     close succeeded; a read error is reuse false, tooBig false.
	//
	// tooBig is net/http's requestTooLarge: the head then carries
	// Connection: close in place of any Connection field the handler set,
	// and net/http closes the connection gently afterwards (write side
	// first, then the rest after a short delay). A read error only marks
	// the connection to be closed, which can leave a handler's Connection
	// field in place; the two cases write different heads.
	SettleBody() (reuse, tooBig bool)

	// KeepAlivesOff is net/http's !Server.doKeepAlives(): keep-alives are
	// disabled or the server is shutting down. A response whose head is
	// written then carries Connection: close and the connection is not
	// reused. It is asked once, when the head is written.
	KeepAlivesOff() bool
}

// ErrFinished is returned by calls that write after Finish: net/http
// leaves that undefined (its buffers are back in a pool by then).
var ErrFinished = errors.New("respwriter: write after the handler returned")

// bufferBeforeChunkingSize is net/http's: the handler's output is held in
// a buffer of this size, so that a response that ends before it fills gets
// a Content-Length instead of chunked framing.
const bufferBeforeChunkingSize = 2048

// sniffLen is how much of the body http.DetectContentType looks at;
// ReadFrom copies this much before it may pass the rest on unbuffered, as
// net/http does.
const sniffLen = 512

// buffers are the per-response buffers, pooled: they go back to the pool
// in Finish or Hijack, so a handler that keeps its ResponseWriter keeps
// only the Writer.
type buffers struct {
	pre  [bufferBeforeChunkingSize]byte // net/http's response.w
	head []byte                         // the head (or 1xx head, or trailers) being built
}

// maxPooledHead bounds the head buffer kept in the pool, so that one
// response with huge header fields does not pin the memory.
const maxPooledHead = 16 << 10

var bufPool = sync.Pool{New: func() any { return &buffers{head: make([]byte, 0, 512)} }}

var copyBufPool = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// Writer is the http.ResponseWriter for one HTTP/1.1 request. It also
// implements http.Flusher, http.Hijacker, io.ReaderFrom and io.StringWriter
// and the methods http.ResponseController looks for. It is not safe for
// concurrent use, as net/http's is not.
type Writer struct {
	bw     *bufio.Writer
	req    *http.Request
	conn   Conn
	header http.Header
	b      *buffers // nil before the first need and after Finish or Hijack

	status        int
	contentLength int64 // declared (or, at the end, computed) Content-Length; -1 if none
	written       int64 // body bytes the handler asked to write, counted as net/http does

	// The pre-chunking buffer (net/http's response.w, a bufio.Writer of
	// 2048 bytes over its chunkWriter): n bytes of b.pre are held, perr is
	// its sticky error.
	n    int
	perr error

	// What the head needs of the header as it was at WriteHeader time
	// (net/http's cw.header snapshot). The fields themselves are already
	// serialized in b.head; spec locates the ones writeHead may drop.
	spec     [nSpecial]span
	te       string   // first Transfer-Encoding value
	trailers []string // declared trailer names (the Trailer field), canonical

	chunkHdr [20]byte // chunk-size line scratch

	isHEAD        bool
	wantsClose    bool // the request has Connection: close
	keepAlivesOff bool

	wroteHeader     bool // logically: a non-1xx status is fixed
	headWritten     bool // physically: the head is in bw
	chunking        bool
	closeAfterReply bool
	fullDuplex      bool
	handlerDone     bool
	hijacked        bool
	finished        bool

	hasTrailers  bool // Trailer field with a value, or TrailerPrefix keys
	hasDate      bool
	hasCE        bool // non-empty Content-Encoding: no sniffing
	connIsClose  bool // first Connection value is exactly "close"
	connHasClose bool // first Connection value has the token close
	connUpgrade  bool // some Connection value has the token Upgrade
	upgrade      bool // non-empty Upgrade field
}

// New returns the Writer answering req, an HTTP/1.1 request, on bw, the
// connection's buffered writer (4 KiB, as net/http's). For net/http's
// sendfile/splice path in ReadFrom, bw's writer should implement
// io.ReaderFrom as a *net.TCPConn does.
//
// The request's own Connection: close is read from req here, as net/http
// does before the handler runs; whether keep-alives are off
// (Conn.KeepAlivesOff) is asked when the head is written, as net/http
// does: net/http treats a handler's Connection: close field differently
// in the two cases.
func New(bw *bufio.Writer, req *http.Request, c Conn) *Writer {
	return &Writer{
		bw:            bw,
		req:           req,
		conn:          c,
		header:        make(http.Header),
		contentLength: -1,
		isHEAD:        req.Method == "HEAD",
		wantsClose:    req.Close || hasToken(get(req.Header, "Connection"), "close"),
	}
}

func (w *Writer) bufs() *buffers {
	if w.b == nil {
		w.b = bufPool.Get().(*buffers)
		w.b.head = w.b.head[:0]
	}
	return w.b
}

func (w *Writer) release() {
	if b := w.b; b != nil {
		w.b = nil
		if cap(b.head) > maxPooledHead {
			b.head = make([]byte, 0, 512)
		}
		bufPool.Put(b)
	}
}

// Header returns the header map the handler fills. As with net/http, the
// head carries the map as it was when the status was fixed (WriteHeader
// or the first Write); trailers are read from it at Finish.
func (w *Writer) Header() http.Header { return w.header }

// Status returns the status fixed by WriteHeader or the first Write, 0
// before. 1xx responses are not counted.
func (w *Writer) Status() int { return w.status }

// Hijacked reports whether the handler hijacked the connection.
func (w *Writer) Hijacked() bool { return w.hijacked }

// WriteHeader sends 1xx heads at once and fixes any other status, as
// net/http does: calls after the status is fixed or after a hijack are
// ignored (net/http logs them), codes outside 100-999 panic.
func (w *Writer) WriteHeader(code int) {
	if w.hijacked || w.wroteHeader {
		return
	}
	checkWriteHeaderCode(code)

	// RFC 9110 §15.2: 1xx responses are interim, any number may precede
	// the final one. net/http writes them at once with the current header
	// (RFC 8297 Early Hints) and leaves the map as it is. 101 ends the
	// exchange instead, so it takes the final path.
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		w.writeInformational(code)
		return
	}

	w.wroteHeader = true
	w.status = code
	// An invalid Content-Length is removed from the handler's map, but
	// stays in the snapshot the head is written from, as net/http does.
	if cl := w.snapshot(); cl != "" {
		v, err := strconv.ParseInt(cl, 10, 64)
		if err == nil && v >= 0 {
			w.contentLength = v
		} else {
			w.header.Del("Content-Length")
		}
	}
}

func checkWriteHeaderCode(code int) {
	// As net/http: a status code must have three digits.
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code))
	}
}

// Write writes body bytes, fixing status 200 first if no status was.
func (w *Writer) Write(p []byte) (int, error) {
	if err := w.beforeWrite(len(p)); err != nil || len(p) == 0 {
		return 0, err
	}
	return w.preWrite(p)
}

// WriteString is Write for a string. Like net/http's, it differs from
// Write in how large strings are cut into chunks (through the 2048-byte
// buffer, where Write passes a large slice on whole).
func (w *Writer) WriteString(s string) (int, error) {
	if err := w.beforeWrite(len(s)); err != nil || len(s) == 0 {
		return 0, err
	}
	return w.preWriteString(s)
}

// beforeWrite holds net/http's checks of (*response).write.
func (w *Writer) beforeWrite(n int) error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if w.finished {
		return ErrFinished
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if n == 0 {
		return nil
	}
	if !bodyAllowedForStatus(w.status) {
		return http.ErrBodyNotAllowed
	}
	// Counted before the check, so a refused write still makes the
	// response too long for keep-alive, as net/http counts.
	w.written += int64(n)
	if w.contentLength != -1 && w.written > w.contentLength {
		return http.ErrContentLength
	}
	return nil
}

// preWrite and preWriteString are bufio.Writer's Write and WriteString
// over the chunk writer, as net/http's response.w is: a large slice with
// nothing buffered goes on whole as one chunk, a large string is copied
// through the buffer (the chunk writer has no WriteString).
func (w *Writer) preWrite(p []byte) (nn int, err error) {
	pre := w.bufs().pre[:]
	for len(p) > len(pre)-w.n && w.perr == nil {
		var n int
		if w.n == 0 {
			n, w.perr = w.chunkWrite(p)
		} else {
			n = copy(pre[w.n:], p)
			w.n += n
			w.preFlush()
		}
		nn += n
		p = p[n:]
	}
	if w.perr != nil {
		return nn, w.perr
	}
	n := copy(pre[w.n:], p)
	w.n += n
	return nn + n, nil
}

func (w *Writer) preWriteString(s string) (nn int, err error) {
	pre := w.bufs().pre[:]
	for len(s) > len(pre)-w.n && w.perr == nil {
		n := copy(pre[w.n:], s)
		w.n += n
		w.preFlush()
		nn += n
		s = s[n:]
	}
	if w.perr != nil {
		return nn, w.perr
	}
	n := copy(pre[w.n:], s)
	w.n += n
	return nn + n, nil
}

// preFlush is bufio.Writer.Flush of the pre-chunking buffer.
func (w *Writer) preFlush() error {
	if w.perr != nil {
		return w.perr
	}
	if w.n == 0 {
		return nil
	}
	pre := w.b.pre[:w.n]
	n, err := w.chunkWrite(pre)
	if n < w.n && err == nil {
		err = io.ErrShortWrite
	}
	if err != nil {
		if n > 0 && n < w.n {
			copy(pre, pre[n:])
		}
		w.n -= n
		w.perr = err
		return err
	}
	w.n = 0
	return nil
}

// chunkWrite is net/http's chunkWriter.Write: the first call writes the
// head (p is the start of the body, for sniffing and, at the end, for the
// Content-Length), HEAD eats the body, chunked framing wraps each write in
// one chunk (RFC 9112 §7.1).
func (w *Writer) chunkWrite(p []byte) (n int, err error) {
	if !w.headWritten {
		w.writeHead(p)
	}
	if w.isHEAD {
		return len(p), nil
	}
	if w.chunking {
		h := strconv.AppendInt(w.chunkHdr[:0], int64(len(p)), 16)
		h = append(h, '\r', '\n')
		if _, err = w.bw.Write(h); err != nil {
			return 0, err
		}
	}
	n, err = w.bw.Write(p)
	if w.chunking && err == nil {
		_, err = w.bw.WriteString("\r\n")
	}
	return n, err
}

// Flush sends what is buffered, the head first if it was not sent.
func (w *Writer) Flush() { _ = w.FlushError() }

// FlushError is Flush with its error, for http.ResponseController. After a
// hijack it returns http.ErrHijacked (net/http's dereferences a released
// buffer there).
func (w *Writer) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if w.finished {
		return ErrFinished
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	err := w.preFlush()
	if e2 := w.chunkFlush(); err == nil {
		err = e2
	}
	return err
}

// chunkFlush is net/http's chunkWriter.flush: the head (with no body
// start: no sniffing, no computed Content-Length) and bw.
func (w *Writer) chunkFlush() error {
	if !w.headWritten {
		w.writeHead(nil)
	}
	return w.bw.Flush()
}

// SetReadDeadline sets the connection's read deadline (http.ResponseController).
func (w *Writer) SetReadDeadline(t time.Time) error { return w.conn.SetReadDeadline(t) }

// SetWriteDeadline sets the connection's write deadline (http.ResponseController).
func (w *Writer) SetWriteDeadline(t time.Time) error { return w.conn.SetWriteDeadline(t) }

// EnableFullDuplex lets the handler read the request body while it writes
// the response: the body is then not settled before the head is written.
func (w *Writer) EnableFullDuplex() error {
	w.fullDuplex = true
	return nil
}

// Hijack hands the connection to the handler. As net/http: if the status
// was fixed, the head is written and bw flushed first, but body bytes still
// held in the 2048-byte buffer are dropped.
func (w *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.finished {
		panic("respwriter: Hijack called after the handler returned")
	}
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.wroteHeader && !w.headWritten {
		w.writeHead(nil)
	}
	_ = w.bw.Flush()
	rwc, buf, err := w.conn.Hijack()
	if err == nil {
		w.hijacked = true
		w.n = 0
		w.release()
	}
	return rwc, buf, err
}

// writerOnly hides ReadFrom from io.CopyBuffer; one pointer, so that
// making it an io.Writer does not allocate.
type writerOnly struct{ w *Writer }

func (o writerOnly) Write(p []byte) (int, error) { return o.w.Write(p) }

// ReadFrom copies src into the body the way net/http's response.ReadFrom
// does on a connection that implements io.ReaderFrom (a *net.TCPConn): the
// first 512 bytes through Write (for sniffing and so that the head is not
// sent before the source has data), then, if the body is neither chunked
// nor suppressed, the rest straight to the connection through
// bw.ReadFrom (not checked against a declared Content-Length, as net/http
// does not), else through Write.
func (w *Writer) ReadFrom(src io.Reader) (n int64, err error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if w.finished {
		return 0, ErrFinished
	}
	buf := copyBufPool.Get().(*[32 << 10]byte)
	defer copyBufPool.Put(buf)

	if !w.headWritten {
		n0, err := io.CopyBuffer(writerOnly{w}, io.LimitReader(src, sniffLen), buf[:])
		n += n0
		if err != nil || n0 < sniffLen {
			return n, err
		}
	}
	_ = w.preFlush()
	_ = w.chunkFlush()

	if !w.chunking && bodyAllowedForStatus(w.status) && !w.isHEAD {
		n0, err := w.bw.ReadFrom(src)
		n += n0
		w.written += n0
		return n, err
	}
	n0, err := io.CopyBuffer(writerOnly{w}, src, buf[:])
	return n + n0, err
}

// Finish completes the response after the handler returned: the head if
// it was never written, what is buffered, the last chunk and trailers; then
// it flushes bw. keepAlive mirrors net/http's shouldReuseConnection: false
// when the response said or needed Connection: close, a declared
// Content-Length was not met, or writing failed (err). After a hijack
// Finish does nothing and returns false.
//
// As net/http's finishRequest, the caller then closes the request body,
// which reads what is left of it (up to 256 KiB) to keep the connection.
// The connection is not reused either when
//
//   - that close gives up on a body too large to drain (net/http's
//     closedRequestBodyEarly; net/http then closes gently, as after a
//     SettleBody tooBig), or
//   - that close is what reaches the end of the body: the body was not
//     settled before the head (full duplex) and the handler did not read it
//     to its end. net/http reuses the connection then, but its body's EOF
//     hook starts a second background read that makes the next request
//     panic ("invalid concurrent Body.Read call") and close the connection
//     unanswered; closing it at once is what the client sees of that,
//     without the lost request.
func (w *Writer) Finish() (keepAlive bool, err error) {
	if w.hijacked {
		return false, nil
	}
	if w.finished {
		return false, ErrFinished
	}
	w.handlerDone = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	_ = w.preFlush()
	if !w.headWritten {
		w.writeHead(nil)
	}
	if w.chunking {
		w.writeTrailers()
	}
	err = w.bw.Flush()
	w.finished = true
	w.n = 0
	w.release()
	return err == nil && w.shouldReuseConnection(), err
}

// shouldReuseConnection is net/http's, but for the write error (which
// Finish checks) and the request body (which the caller checks).
func (w *Writer) shouldReuseConnection() bool {
	if w.closeAfterReply {
		return false
	}
	// A short body against a declared Content-Length leaves the client
	// waiting for the rest (RFC 9112 §6.3): the connection is out of sync.
	if !w.isHEAD && w.contentLength != -1 && bodyAllowedForStatus(w.status) && w.contentLength != w.written {
		return false
	}
	return true
}

// bodyAllowedForStatus is net/http's: 1xx, 204 and 304 responses have no
// body (RFC 9110 §15.2, §15.3.5, §15.4.5).
func bodyAllowedForStatus(status int) bool {
	switch {
	case status >= 100 && status <= 199:
		return false
	case status == 204:
		return false
	case status == 304:
		return false
	}
	return true
}
