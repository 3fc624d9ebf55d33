package frontconn

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// The guard cannot answer a refused head itself: net/http may be writing
// the previous response at that moment (its background read runs ahead
// of the handler). So net/http reads this request in place of the refused
// head, then EOF, and Handler answers it. The target carries a random
// token of the process, so no client can send it; Handler also requires
// the connection to have refused a head, so a token that leaked into a
// log is of no use either.
var (
	syntheticTarget = "/.frontconn-refused/" + rand.Text()
	synthetic       = []byte("GET " + syntheticTarget + " HTTP/1.1\r\nHost: frontconn.invalid\r\nConnection: close\r\n\r\n")
)

type connKey struct{}

// ConnContext is for http.Server.ConnContext: it makes the guard's
// connection known to Handler through the request context.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if gc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, gc)
	}
	return ctx
}

// Handler answers the synthetic request of a connection whose request the
// guard refused, with the status and Connection: close, and passes every
// other request to next, with Request.TLS set for connections of
// NewTLSListener. It must be the outermost handler of the server, and the
// server's ConnContext must be ConnContext.
func Handler(next http.Handler) http.Handler { return guard{next} }

type guard struct{ next http.Handler }

func (g guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c, ok := r.Context().Value(connKey{}).(*Conn); ok {
		if st := c.status.Load(); st != 0 && r.RequestURI == syntheticTarget {
			answer(w, int(st))
			return
		}
		if r.TLS == nil && c.tls != nil {
			r.TLS = c.tls
		}
		g.next.ServeHTTP(w, r)
		// Write of nothing commits the status net/http would commit
		// next anyway (200 if none was written); it fails with
		// ErrHijacked, and only then, if the handler hijacked the
		// connection, which must then never park.
		if c.s.park != nil {
			if _, err := w.Write(nil); !errors.Is(err, http.ErrHijacked) {
				c.startIdle()
			}
		}
		return
	}
	g.next.ServeHTTP(w, r)
}

// answer writes a refusal in the proxy's error style.
func answer(w http.ResponseWriter, status int) {
	h := w.Header()
	h["Connection"] = []string{"close"}
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, http.StatusText(status)+"\n")
}

// holdRefusal keeps a refusal from net/http's one-byte background read.
// That read runs while the handler of the previous request may still
// hijack the connection, and the byte it gets goes to the hijacker: had
// it been the first byte of the synthetic head, the stream could not be
// handed on whole (a client that sends data right behind its Upgrade
// request, for instance). So the guard reads on, keeping the raw bytes,
// until net/http stops the read with a deadline in the past (its handler
// finished or hijacked), and answers that with the timeout. Only EOF or a
// full buffer start the refusal here.
func (c *Conn) holdRefusal() error {
	for c.buf != nil {
		if c.w == len(c.buf) {
			if c.r == 0 {
				return nil
			}
			c.w = copy(c.buf, c.buf[c.r:c.w])
			c.ready -= c.r
			c.r = 0
		}
		n, err := c.innerRead(c.buf[c.w:])
		c.w += n
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// refuse starts answering the refused head: from now on Read returns the
// synthetic head, then EOF; the refused bytes are dropped.
func (c *Conn) refuse() {
	r := c.pend
	c.pend = nil
	c.s.debug(c.inner.RemoteAddr(), r.status, r.reason)
	c.dropBuf()
	c.disarmHead()
	c.status.Store(int32(r.status))
}

// Lingering close of a connection whose request was refused: the bytes
// after the refused head are still coming, and closing with unread bytes
// makes TCP send a reset that can destroy the response at the client
// (RFC 9112 §9.6). Like net/http after its own 431, the guard closes the
// write side first and reads on for a while.
const (
	lingerTime  = 500 * time.Millisecond
	lingerBytes = 256 << 10
)

func (c *Conn) linger() {
	cw, ok := c.inner.(closeWriter)
	if !ok || cw.CloseWrite() != nil {
		return
	}
	if c.inner.SetReadDeadline(time.Now().Add(lingerTime)) != nil {
		return
	}
	arr := headBufs.Get().(*[allowance]byte)
	for n := 0; n < lingerBytes; {
		m, err := c.inner.Read(arr[:])
		n += m
		if err != nil {
			break
		}
	}
	headBufs.Put(arr)
}
