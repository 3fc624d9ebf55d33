package h1server

import (
	"errors"
	"io"
	"net/http"
	"sync"
)

// maxSettleBytes is what the server reads of a request body its handler
// left unread before it answers, so that the connection can serve
// another request: net/http's maxPostHandlerReadBytes. With more left,
// the connection closes after the response.
const maxSettleBytes = 256 << 10

// body is a request body of Content-Length bytes, read from the
// connection's buffer. Like net/http's it may be read and closed from
// different goroutines.
type body struct {
	c   *conn
	ctx *reqContext // the request's

	mu     sync.Mutex
	n      int64 // bytes left
	err    error // a read error, sticky
	eof    bool  // the connection ended before the body
	closed bool
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.readLocked(p)
}

func (b *body) readLocked(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.n == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.c.br.Read(p)
	b.n -= int64(n)
	if b.n == 0 {
		// As net/http's body: the last bytes come with io.EOF. From
		// here on nothing reads the connection until the next
		// request, so the watch for the client leaving may start.
		b.c.watch.arm()
		return n, io.EOF
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
		b.eof = true
	}
	if err != nil {
		// As net/http does on a failed read of the connection: the
		// request's context ends.
		b.err = err
		b.ctx.cancel()
	}
	return n, err
}

// Close marks the body closed; what is left of it is the server's to
// read or the connection's end.
func (b *body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// discard reads what is left if that is less than maxSettleBytes, as
// net/http does before it writes a response head. reuse is false when
// the connection cannot serve another request: the handler closed the
// body before its end, a read failed, or too much was left (tooBig).
func (b *body) discard() (reuse, tooBig bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.n == 0:
		return b.err == nil, false
	case b.eof:
		// net/http counts a body cut short by the end of the stream as
		// read (the connection closes anyway: settled is false).
		return true, false
	case b.closed:
		return false, false
	case b.n >= maxSettleBytes:
		return false, true
	}
	var buf [4 << 10]byte
	for b.n > 0 {
		if _, err := b.readLocked(buf[:]); err != nil && !errors.Is(err, io.EOF) {
			return false, false
		}
	}
	return true, false
}

// settled reports whether the body was read to its end.
func (b *body) settled() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n == 0 && b.err == nil
}
