package respwriter

// The differential harness: a handler program runs once under a real
// net/http server and once under a Writer, and the bytes, the handler's
// results and the keep-alive decisions are compared.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

type opKind uint8

const (
	opSet         opKind = iota // Header().Set(key, val)
	opAdd                       // Header().Add(key, val)
	opDel                       // Header().Del(key)
	opNil                       // Header()[key] = nil
	opSetRef                    // Set on the map fetched when the handler started
	opWriteHeader               // WriteHeader(code)
	opWrite                     // Write(size bytes of a body kind)
	opWriteString               // WriteString(same)
	opFlush                     // ResponseController.Flush
	opReadBody                  // io.ReadFull(req.Body, size bytes)
	opCloseBody                 // req.Body.Close()
	opFullDuplex                // ResponseController.EnableFullDuplex
	opCopy                      // io.Copy(w, reader of size bytes in reads of chunk bytes)
	opHijack                    // Hijack, then write through the hijacked connection; ends the program
	nOps
)

var opNames = [nOps]string{"set", "add", "del", "nil", "setref", "writeheader", "write", "writestring", "flush", "readbody", "closebody", "fullduplex", "copy", "hijack"}

// The tables the programs draw from; fuzz inputs are indexes into them.
var (
	keys = []string{
		"Content-Type", "Content-Length", "Transfer-Encoding", "Connection",
		"Trailer", "X-A", "X-B", "Date", "Content-Encoding", "Upgrade",
		"Bad Key", "x-lower", "Trailer:X-C", "Trailer:x-d", "Cache-Control", "Link",
		"X-C", "X-D", "X-E", "Accept-Ranges", "Etag", "Vary", "Server", "Set-Cookie",
	}
	values = []string{
		"", "v", "close", "keep-alive", "Upgrade", "chunked", "identity", "gzip",
		"0", "5", "10", "2048", "-1", "abc", "+3", "X-A", "X-A, X-B",
		"Cache-Control, X-B", "text/html", "a\r\nb", " sp ", "websocket",
		"handler-date", "</style.css>; rel=preload", "keep-alive, close", "Close",
		"upgrade, Close", "X-C", "\tx\n", "1000", "3000", "5000",
	}
	codes = []int{200, 201, 204, 206, 301, 304, 400, 404, 500, 599, 999, 100, 101, 102, 103, 199, 302, 418, 600}
	sizes = []int{0, 1, 5, 10, 100, 511, 512, 513, 1000, 2047, 2048, 2049, 3000, 4096, 5000, 9000}
	kinds = []string{"text", "html", "binary", "spacehtml"}
)

type op struct {
	kind opKind
	a, b int // indexes into the tables, by kind
}

type program []op

func indexOf[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	panic(fmt.Sprintf("%v is not in the table", v))
}

// Program constructors, for the table.
func set(k, v string) op { return op{opSet, indexOf(keys, k), indexOf(values, v)} }
func add(k, v string) op { return op{opAdd, indexOf(keys, k), indexOf(values, v)} }
func del(k string) op    { return op{opDel, indexOf(keys, k), 0} }
func setNil(k string) op { return op{opNil, indexOf(keys, k), 0} }
func setRef(k, v string) op {
	return op{opSetRef, indexOf(keys, k), indexOf(values, v)}
}
func writeHeader(code int) op { return op{opWriteHeader, indexOf(codes, code), 0} }
func write(n int, kind string) op {
	return op{opWrite, indexOf(sizes, n), indexOf(kinds, kind)}
}
func writeString(n int, kind string) op {
	return op{opWriteString, indexOf(sizes, n), indexOf(kinds, kind)}
}
func flush() op         { return op{opFlush, 0, 0} }
func readBody(n int) op { return op{opReadBody, indexOf(sizes, n), 0} }
func closeBody() op     { return op{opCloseBody, 0, 0} }
func fullDuplex() op    { return op{opFullDuplex, 0, 0} }
func hijack() op        { return op{opHijack, 0, 0} }
func copyBody(n, chunk int) op {
	return op{opCopy, indexOf(sizes, n), indexOf(sizes, chunk)}
}

func (o op) String() string {
	switch o.kind {
	case opSet, opAdd, opSetRef:
		return fmt.Sprintf("%s(%q, %q)", opNames[o.kind], keys[o.a], values[o.b])
	case opDel, opNil:
		return fmt.Sprintf("%s(%q)", opNames[o.kind], keys[o.a])
	case opWriteHeader:
		return fmt.Sprintf("writeheader(%d)", codes[o.a])
	case opWrite, opWriteString:
		return fmt.Sprintf("%s(%d %s)", opNames[o.kind], sizes[o.a], kinds[o.b])
	case opReadBody:
		return fmt.Sprintf("readbody(%d)", sizes[o.a])
	case opCopy:
		return fmt.Sprintf("copy(%d by %d)", sizes[o.a], sizes[o.b])
	}
	return opNames[o.kind]
}

func (p program) String() string {
	s := make([]string, len(p))
	for i, o := range p {
		s[i] = o.String()
	}
	return strings.Join(s, "; ")
}

func body(n int, kind string) []byte {
	b := make([]byte, n)
	for i := range b {
		switch kind {
		case "binary":
			b[i] = byte(i)
		default:
			b[i] = 'a' + byte(i%26)
		}
	}
	switch kind {
	case "html":
		copy(b, "<html><body>")
	case "spacehtml":
		copy(b, "  <!DOCTYPE HTML>")
	}
	return b
}

// chunkReader yields n bytes in reads of at most chunk bytes; it has no
// WriteTo, so io.Copy uses the writer's ReadFrom.
type chunkReader struct {
	data  []byte
	chunk int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.chunk, len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// run executes the program as a handler and logs what each call returned.
func (p program) run(w http.ResponseWriter, r *http.Request) string {
	var lg strings.Builder
	ref := w.Header()
	rc := http.NewResponseController(w)
	for _, o := range p {
		switch o.kind {
		case opSet:
			w.Header().Set(keys[o.a], values[o.b])
		case opAdd:
			w.Header().Add(keys[o.a], values[o.b])
		case opDel:
			w.Header().Del(keys[o.a])
		case opNil:
			w.Header()[keys[o.a]] = nil
		case opSetRef:
			ref.Set(keys[o.a], values[o.b])
		case opWriteHeader:
			w.WriteHeader(codes[o.a])
		case opWrite:
			n, err := w.Write(body(sizes[o.a], kinds[o.b]))
			fmt.Fprintf(&lg, "write %d %s\n", n, errString(err))
		case opWriteString:
			n, err := io.WriteString(w, string(body(sizes[o.a], kinds[o.b])))
			fmt.Fprintf(&lg, "writestring %d %s\n", n, errString(err))
		case opFlush:
			fmt.Fprintf(&lg, "flush %s\n", errString(rc.Flush()))
		case opReadBody:
			buf := make([]byte, sizes[o.a])
			n, err := io.ReadFull(r.Body, buf)
			fmt.Fprintf(&lg, "read %d %s\n", n, errString(err))
		case opCloseBody:
			fmt.Fprintf(&lg, "closebody %s\n", errString(r.Body.Close()))
		case opFullDuplex:
			fmt.Fprintf(&lg, "fullduplex %s\n", errString(rc.EnableFullDuplex()))
		case opCopy:
			n, err := io.Copy(w, &chunkReader{body(sizes[o.a], "text"), max(sizes[o.b], 1)})
			fmt.Fprintf(&lg, "copy %d %s\n", n, errString(err))
		case opHijack:
			// Terminal: after a hijack net/http's Flush and ReadFrom
			// dereference a released buffer.
			c, brw, err := rc.Hijack()
			fmt.Fprintf(&lg, "hijack %s\n", errString(err))
			if err != nil {
				continue
			}
			n, err := w.Write([]byte("after"))
			fmt.Fprintf(&lg, "write after hijack %d %s\n", n, errString(err))
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = brw.WriteString("HIJACKED\r\n")
			_ = brw.Flush()
			_ = c.Close()
			return lg.String()
		}
	}
	return lg.String()
}

// reqSpec is the request a program answers.
type reqSpec struct {
	method        string
	bodyLen       int  // Content-Length body; 0: none sent (GET, HEAD) or Content-Length: 0
	chunked       bool // the body (bodyLen bytes) is sent chunked instead
	close         bool // Connection: close
	keepAlivesOff bool // the server has keep-alives disabled
}

// reqSpecs are the requests fuzz inputs pick from (the first byte).
var reqSpecs = []reqSpec{
	{method: "GET"},
	{method: "HEAD"},
	{method: "POST", bodyLen: 10},
	{method: "POST"},
	{method: "POST", bodyLen: 10, chunked: true},
	{method: "PUT", bodyLen: 3000},
}

func (r reqSpec) String() string {
	s := r.method
	if r.bodyLen > 0 || r.method == "POST" || r.method == "PUT" {
		s += fmt.Sprintf(" body=%d", r.bodyLen)
	}
	if r.chunked {
		s += " chunked"
	}
	if r.close {
		s += " close"
	}
	if r.keepAlivesOff {
		s += " keepalivesoff"
	}
	return s
}

func (r reqSpec) raw() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s /case HTTP/1.1\r\nHost: example.com\r\n", r.method)
	if r.close {
		b.WriteString("Connection: close\r\n")
	}
	data := body(r.bodyLen, "text")
	switch {
	case r.chunked:
		b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		if len(data) > 0 {
			fmt.Fprintf(&b, "%x\r\n%s\r\n", len(data), data)
		}
		b.WriteString("0\r\n\r\n")
	case r.bodyLen > 0 || r.method == "POST" || r.method == "PUT":
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(data))
		b.Write(data)
	default:
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// probeRequest follows each request on the connection: a response to it
// means net/http kept the connection for another request.
const probeRequest = "GET /probe HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"

const probeResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Probe: 1\r\nDate: DATE\r\nContent-Length: 5\r\nConnection: close\r\n\r\nprobe"

var dateRe = regexp.MustCompile(`Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT\r\n`)

func normDate(b []byte) string {
	return dateRe.ReplaceAllString(string(b), "Date: DATE\r\n")
}

// outcome is what one run produced.
type outcome struct {
	bytes string // the response, Date values replaced
	log   string // what the handler's calls returned
	keep  bool   // the connection stays open for another request
}

// refServer is a net/http server on a listener; one program at a time.
type refServer struct {
	srv  *http.Server
	dial func() (net.Conn, error)
	done chan struct{}

	mu      sync.Mutex
	prog    program
	log     string
	handled chan struct{} // closed when the program's handler returned
}

// newRefServer starts an http.Server on a 127.0.0.1 TCP listener, or on
// net.Pipe connections when pipe is set (no ports to run out of, for
// fuzzing). keepAlivesOff disables keep-alives.
func newRefServer(tb testing.TB, pipe, keepAlivesOff bool) *refServer {
	s := &refServer{done: make(chan struct{})}
	var ln net.Listener
	if pipe {
		pl := newPipeListener()
		ln, s.dial = pl, pl.dial
	} else {
		tl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		ln = tl
		s.dial = func() (net.Conn, error) { return net.Dial("tcp", tl.Addr().String()) }
	}
	s.srv = &http.Server{
		Handler:  http.HandlerFunc(s.serveHTTP),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.srv.SetKeepAlivesEnabled(!keepAlivesOff)
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	tb.Cleanup(func() {
		_ = s.srv.Close()
		<-s.done
	})
	return s
}

func (s *refServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/probe" {
		w.Header().Set("X-Probe", "1")
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "probe")
		return
	}
	s.mu.Lock()
	p := s.prog
	s.mu.Unlock()
	lg := p.run(w, r)
	s.mu.Lock()
	s.log = lg
	close(s.handled)
	s.mu.Unlock()
}

// run sends the request and the probe on one connection and reads until
// the server closes it.
func (s *refServer) run(p program, rq reqSpec) (outcome, error) {
	handled := make(chan struct{})
	s.mu.Lock()
	s.prog, s.log, s.handled = p, "", handled
	s.mu.Unlock()

	c, err := s.dial()
	if err != nil {
		return outcome{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		// The server may close before it read everything: ignore errors.
		_, _ = c.Write(append(rq.raw(), probeRequest...))
	}()
	out, err := io.ReadAll(c)
	_ = c.Close()
	<-wrote
	if err != nil {
		return outcome{}, fmt.Errorf("reading the response: %w (got %q)", err, out)
	}
	// A hijacking handler may close the connection before it returns.
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		return outcome{}, errors.New("the handler did not return")
	}
	s.mu.Lock()
	lg := s.log
	s.mu.Unlock()
	o := outcome{bytes: normDate(out), log: lg}
	if rest, ok := strings.CutSuffix(o.bytes, probeResponse); ok {
		o.bytes, o.keep = rest, true
	}
	return o, nil
}

// pipeListener hands out net.Pipe connections.
type pipeListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial() (net.Conn, error) {
	s, c := net.Pipe()
	select {
	case l.ch <- readFromConn{s}:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// readFromConn implements io.ReaderFrom as a *net.TCPConn does, so that
// net/http's response.ReadFrom takes the same path as on TCP.
type readFromConn struct{ net.Conn }

func (c readFromConn) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

const maxPostHandlerReadBytes = 256 << 10

// trackBody wraps the parsed request body and does what net/http's server
// body does on Close (it reads on, up to 256 KiB, to keep the connection),
// keeping what SettleBody needs to know.
type trackBody struct {
	rc         io.ReadCloser
	req        *http.Request
	read       int64
	sawEOF     bool
	closed     bool
	earlyClose bool
}

func (b *trackBody) Read(p []byte) (int, error) {
	if b.rc == http.NoBody {
		return 0, io.EOF
	}
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.sawEOF {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if err == io.EOF {
		b.sawEOF = true
	}
	return n, err
}

func (b *trackBody) remaining() int64 {
	if b.req.ContentLength < 0 {
		return -1
	}
	return b.req.ContentLength - b.read
}

func (b *trackBody) Close() error {
	if b.rc == http.NoBody || b.closed {
		return nil
	}
	var err error
	switch {
	case b.sawEOF:
	case b.req.Close && b.req.ContentLength >= 0:
		// No trailers and the connection closes next: no point reading.
	case b.remaining() > maxPostHandlerReadBytes:
		b.earlyClose = true
	default:
		var n int64
		n, err = io.CopyN(io.Discard, b, maxPostHandlerReadBytes)
		if err == io.EOF {
			err = nil
		}
		if n == maxPostHandlerReadBytes {
			b.earlyClose = true
		}
	}
	b.closed = true
	return err
}

// testConn is the Conn the Writer gets in the differential runs.
type testConn struct {
	body          *trackBody
	settled       int
	hijacked      bool
	rwc           net.Conn
	keepAlivesOff bool
}

func (c *testConn) KeepAlivesOff() bool { return c.keepAlivesOff }

func (c *testConn) SetReadDeadline(time.Time) error  { return nil }
func (c *testConn) SetWriteDeadline(time.Time) error { return nil }

func (c *testConn) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if c.rwc == nil {
		return nil, nil, errors.New("testConn: no connection to hijack")
	}
	c.hijacked = true
	return c.rwc, bufio.NewReadWriter(bufio.NewReader(c.rwc), bufio.NewWriter(c.rwc)), nil
}

// SettleBody is net/http's handling of the unread body in
// chunkWriter.writeHeader.
func (c *testConn) SettleBody() (reuse, tooBig bool) {
	c.settled++
	b := c.body
	if b.closed {
		return b.sawEOF, false
	}
	if r := b.remaining(); r >= maxPostHandlerReadBytes {
		return false, true
	}
	_, err := io.CopyN(io.Discard, b, maxPostHandlerReadBytes+1)
	switch err {
	case nil:
		return false, true
	case io.EOF:
		return b.Close() == nil, false
	}
	return false, false
}

// bufConn is a net.Conn whose writes go to w; it reads nothing.
type bufConn struct {
	net.Conn // nil: other methods panic
	w        *bytes.Buffer
	closed   bool
}

func (c *bufConn) Write(p []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.w.Write(p)
}
func (c *bufConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (c *bufConn) Close() error                     { c.closed = true; return nil }
func (c *bufConn) SetDeadline(time.Time) error      { return nil }
func (c *bufConn) SetReadDeadline(time.Time) error  { return nil }
func (c *bufConn) SetWriteDeadline(time.Time) error { return nil }

// runWriter runs the program under a Writer.
func runWriter(t testing.TB, p program, rq reqSpec) outcome {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(rq.raw())))
	if err != nil {
		t.Fatal(err)
	}
	tb := &trackBody{rc: req.Body, req: req}
	req.Body = tb
	var out bytes.Buffer
	c := &testConn{body: tb, rwc: &bufConn{w: &out}, keepAlivesOff: rq.keepAlivesOff}
	bw := bufio.NewWriterSize(&out, 4<<10)
	w := New(bw, req, c)
	lg := p.run(w, req)
	keep, err := w.Finish()
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	// net/http's finishRequest closes the body and does not reuse the
	// connection if that close gave up early. If that close is what reads
	// the body to its end, net/http's body EOF hook starts a second
	// background read on the connection after the first was aborted, and
	// the next request panics ("invalid concurrent Body.Read call") and
	// closes the connection: not reused either.
	sawEOF := tb.sawEOF
	_ = tb.Close()
	if tb.earlyClose || (req.ContentLength != 0 && !sawEOF && tb.sawEOF) {
		keep = false
	}
	if c.settled > 1 {
		t.Errorf("SettleBody called %d times", c.settled)
	}
	return outcome{bytes: normDate(out.Bytes()), log: lg, keep: keep}
}

// servers holds the reference servers a test needs, started on demand.
type servers struct {
	tb   testing.TB
	pipe bool
	m    map[bool]*refServer
}

func newServers(tb testing.TB, pipe bool) *servers {
	return &servers{tb: tb, pipe: pipe, m: map[bool]*refServer{}}
}

func (s *servers) get(keepAlivesOff bool) *refServer {
	if r := s.m[keepAlivesOff]; r != nil {
		return r
	}
	r := newRefServer(s.tb, s.pipe, keepAlivesOff)
	s.m[keepAlivesOff] = r
	return r
}

// diff runs the program both ways and reports any difference.
func (s *servers) diff(t testing.TB, p program, rq reqSpec) {
	t.Helper()
	want, err := s.get(rq.keepAlivesOff).run(p, rq)
	if err != nil {
		t.Fatalf("net/http: %v\nrequest: %v\nprogram: %v", err, rq, p)
	}
	got := runWriter(t, p, rq)
	if got != want {
		wb, gb := clip(want.bytes, got.bytes)
		t.Errorf("request: %v\nprogram: %v\nnet/http: keep=%v\n%s\nlog:\n%s\nWriter: keep=%v\n%s\nlog:\n%s",
			rq, p, want.keep, wb, want.log, got.keep, gb, got.log)
	}
}

// clip quotes two long outputs around their first difference.
func clip(a, b string) (string, string) {
	const ctx = 200
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if len(a) <= 2*ctx && len(b) <= 2*ctx {
		return fmt.Sprintf("%q", a), fmt.Sprintf("%q", b)
	}
	cut := func(s string) string {
		lo, hi := max(i-ctx, 0), min(i+ctx, len(s))
		return fmt.Sprintf("(%d bytes, differing at %d) ...%q...", len(s), i, s[lo:hi])
	}
	return cut(a), cut(b)
}

// maxOps bounds a decoded program.
const maxOps = 64

// decode turns a fuzz input into a request and a program: the first byte
// picks the request (low nibble: reqSpecs, 0x40: Connection: close, 0x80:
// keep-alives off), then three bytes per operation: kind and two table
// indexes.
func decode(data []byte) (reqSpec, program) {
	if len(data) == 0 {
		return reqSpecs[0], nil
	}
	b0 := data[0]
	rq := reqSpecs[int(b0&0x0f)%len(reqSpecs)]
	rq.close = b0&0x40 != 0
	rq.keepAlivesOff = b0&0x80 != 0
	var p program
	for data = data[1:]; len(data) >= 3 && len(p) < maxOps; data = data[3:] {
		o := op{kind: opKind(data[0] % byte(nOps)), a: int(data[1]), b: int(data[2])}
		switch o.kind {
		case opSet, opAdd, opSetRef:
			o.a, o.b = o.a%len(keys), o.b%len(values)
		case opDel, opNil:
			o.a, o.b = o.a%len(keys), 0
		case opWriteHeader:
			o.a, o.b = o.a%len(codes), 0
		case opWrite, opWriteString:
			o.a, o.b = o.a%len(sizes), o.b%len(kinds)
		case opReadBody:
			o.a, o.b = o.a%len(sizes), 0
		case opCopy:
			o.a, o.b = o.a%len(sizes), o.b%len(sizes)
		default:
			o.a, o.b = 0, 0
		}
		p = append(p, o)
	}
	return rq, p
}

// encode is decode's inverse, for seeds.
func encode(rq reqSpec, p program) []byte {
	i := 0
	for i < len(reqSpecs) && reqSpecs[i] != (reqSpec{method: rq.method, bodyLen: rq.bodyLen, chunked: rq.chunked}) {
		i++
	}
	if i == len(reqSpecs) {
		return nil // a table-only request
	}
	b0 := byte(i)
	if rq.close {
		b0 |= 0x40
	}
	if rq.keepAlivesOff {
		b0 |= 0x80
	}
	data := []byte{b0}
	for _, o := range p {
		data = append(data, byte(o.kind), byte(o.a), byte(o.b))
	}
	return data
}
