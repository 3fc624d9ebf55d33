package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// rawBackend is a TCP listener whose connections a hand-written handler
// serves; it counts accepted and closed connections.
type rawBackend struct {
	ln      net.Listener
	addr    string
	handler func(c net.Conn)
	accepts atomic.Int64
	closes  atomic.Int64

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// newRawBackend starts a backend and registers it to be closed when the
// family ends.
func (h *harness) newRawBackend(handler func(c net.Conn)) (*rawBackend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &rawBackend{ln: ln, addr: ln.Addr().String(), handler: handler, conns: map[net.Conn]struct{}{}}
	go b.serve()
	h.onStop(b.Close)
	return b, nil
}

func (b *rawBackend) serve() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // EMFILE and the like
			continue
		}
		b.accepts.Add(1)
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			c.Close()
			b.closes.Add(1)
			continue
		}
		b.conns[c] = struct{}{}
		b.mu.Unlock()
		go func() {
			defer func() {
				recover()
				c.Close()
				b.mu.Lock()
				delete(b.conns, c)
				b.mu.Unlock()
				b.closes.Add(1)
			}()
			b.handler(c)
		}()
	}
}

func (b *rawBackend) URL() string { return "http://" + b.addr }

// open is the number of connections accepted and not yet closed.
func (b *rawBackend) open() int64 { return b.accepts.Load() - b.closes.Load() }

func (b *rawBackend) Close() {
	b.mu.Lock()
	b.closed = true
	conns := b.conns
	b.conns = map[net.Conn]struct{}{}
	b.mu.Unlock()
	b.ln.Close()
	for c := range conns {
		c.Close()
	}
}

// head is a message head as read off the wire, obs-fold lines kept as
// they came (starting with a space or tab).
type head struct {
	line   string
	fields []string
	size   int
}

// readHead reads a request or response head, tolerating anything a
// lenient peer might send; limit bounds its size.
func readHead(br *bufio.Reader, limit int) (*head, error) {
	h := &head{}
	for {
		line, err := br.ReadSlice('\n')
		h.size += len(line)
		if h.size > limit {
			return nil, fmt.Errorf("head over %d bytes", limit)
		}
		if err == bufio.ErrBufferFull {
			// A long line: gather it.
			buf := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				h.size += len(line)
				if h.size > limit {
					return nil, fmt.Errorf("head over %d bytes", limit)
				}
				buf = append(buf, line...)
			}
			line = buf
		}
		if err != nil {
			return nil, err
		}
		s := strings.TrimRight(string(line), "\r\n")
		if h.line == "" {
			if s == "" {
				continue // tolerate empty lines before a request
			}
			h.line = s
			continue
		}
		if s == "" {
			return h, nil
		}
		h.fields = append(h.fields, s)
	}
}

// get returns the value of a field whose name is exactly name (case
// aside) followed by a colon.
func (h *head) get(name string) (string, bool) {
	for _, f := range h.fields {
		if len(f) > len(name) && f[len(name)] == ':' && strings.EqualFold(f[:len(name)], name) {
			return strings.TrimSpace(f[len(name)+1:]), true
		}
	}
	return "", false
}

// target is the request target of a request line.
func (h *head) target() string {
	f := strings.Fields(h.line)
	if len(f) >= 2 {
		return f[1]
	}
	return h.line
}

// framing says how the body of a request head is delimited, the way a
// lenient backend decides it: chunked wins over Content-Length.
func (h *head) framing() (chunked bool, length int64) {
	if te, ok := h.get("Transfer-Encoding"); ok && strings.Contains(strings.ToLower(te), "chunked") {
		return true, -1
	}
	if cl, ok := h.get("Content-Length"); ok {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err == nil {
			return false, n
		}
	}
	return false, 0
}

// drainBody reads the body of a request head and returns its size.
func drainBody(br *bufio.Reader, h *head) (int64, error) {
	chunked, n := h.framing()
	if chunked {
		return io.Copy(io.Discard, httputil.NewChunkedReader(br))
	}
	if n > 0 {
		return io.CopyN(io.Discard, br, n)
	}
	return 0, nil
}

func writeResponse(c net.Conn, status int, body string) error {
	_, err := fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
	return err
}

// outcome is what a client saw of one response.
type outcome struct {
	statusLine string
	status     int
	header     http.Header
	bodyBytes  int64
	body       []byte // the first 256 bytes
	headAt     time.Duration
	endAt      time.Duration
	end        string // complete, cut (connection closed), not ended after cap, no response ...
	err        error
}

func (o outcome) statusText() string {
	if o.status == 0 {
		return "no response"
	}
	return strconv.Itoa(o.status)
}

// exchange sends raw request bytes on a new connection to addr and reads
// one response, all within limit; waitClose also waits (within the same
// limit) for the connection to close after a complete response.
func exchange(addr, req string, limit time.Duration, waitClose bool) outcome {
	var o outcome
	t0 := time.Now()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		o.end, o.err = "dial failed", err
		return o
	}
	defer c.Close()
	c.SetDeadline(t0.Add(limit))
	werr := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c, req)
		werr <- err
	}()
	readOne(c, bufio.NewReader(c), t0, limit, waitClose, &o)
	return o
}

func readOne(c net.Conn, br *bufio.Reader, t0 time.Time, limit time.Duration, waitClose bool, o *outcome) {
	rsp, err := http.ReadResponse(br, nil)
	if err != nil {
		o.endAt = time.Since(t0)
		o.err = err
		switch {
		case isTimeout(err):
			o.end = fmt.Sprintf("no response within %s", limit)
		default:
			o.end = "connection closed without a response (" + shortErr(err) + ")"
		}
		return
	}
	o.headAt = time.Since(t0)
	o.status = rsp.StatusCode
	o.statusLine = rsp.Proto + " " + rsp.Status
	o.header = rsp.Header
	n, err := io.Copy(&prefixWriter{buf: &o.body, max: 256}, rsp.Body)
	o.bodyBytes = n
	o.endAt = time.Since(t0)
	switch {
	case err == nil:
		o.end = "complete"
		if waitClose {
			var one [1]byte
			_, err := br.Read(one[:])
			o.endAt = time.Since(t0)
			switch {
			case err == nil:
				o.end = "complete, then unexpected bytes"
			case isTimeout(err):
				o.end = fmt.Sprintf("complete, connection still open after %s", limit)
			default:
				o.end = "complete, then connection closed"
			}
		}
	case isTimeout(err):
		o.end = fmt.Sprintf("not ended after %s", limit)
		o.err = err
	default:
		o.end = "cut: connection closed (" + shortErr(err) + ")"
		o.err = err
	}
}

type prefixWriter struct {
	buf *[]byte
	max int
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	if room := w.max - len(*w.buf); room > 0 {
		*w.buf = append(*w.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func shortErr(err error) string {
	switch {
	case err == nil:
		return "ok"
	case isTimeout(err):
		return "timeout"
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case isReset(err):
		return "reset"
	}
	s := err.Error()
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// dialMany opens n connections to addr, at most par at a time, and hands
// each to f (in its own goroutine); it returns the dial failures.
func dialMany(addr string, n, par int, f func(i int, c net.Conn)) (failed int64) {
	var wg sync.WaitGroup
	var fails atomic.Int64
	sem := make(chan struct{}, par)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			<-sem
			if err != nil {
				fails.Add(1)
				return
			}
			f(i, c)
		}(i)
	}
	wg.Wait()
	return fails.Load()
}

func countSummary(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range m {
		l = append(l, kv{k, v})
	}
	// most frequent first
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && (l[j].v > l[j-1].v || l[j].v == l[j-1].v && l[j].k < l[j-1].k); j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
	var parts []string
	for _, e := range l {
		parts = append(parts, fmt.Sprintf("%s x%d", e.k, e.v))
	}
	return strings.Join(parts, ", ")
}
