package frontconn

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/proxy/internal/httpsyntax"
)

// Limits of the fuzzed servers, small so that random streams reach them.
const (
	fuzzMaxLine = 2 << 10
	fuzzMaxHead = 16 << 10
)

// memConn serves a fixed byte stream in reads of pseudo-random sizes up to
// seg bytes (0: as much as asked), then io.EOF; writes are dropped. Its
// reads never block, so it needs no deadlines.
type memConn struct {
	mu     sync.Mutex
	data   []byte
	seg    int
	rng    uint32
	closed bool
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data))
	if c.seg > 0 {
		c.rng ^= c.rng << 13
		c.rng ^= c.rng >> 17
		c.rng ^= c.rng << 5
		n = min(n, 1+int(c.rng%uint32(c.seg)))
	}
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) { return len(p), nil }
func (c *memConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return nil
}
func (c *memConn) LocalAddr() net.Addr              { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr             { return memAddr{} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

// oneConn is a listener that hands out one connection.
type oneConn struct {
	mu    sync.Mutex
	c     net.Conn
	done  chan struct{}
	close sync.Once
}

func (l *oneConn) Accept() (net.Conn, error) {
	l.mu.Lock()
	c := l.c
	l.c = nil
	l.mu.Unlock()
	if c != nil {
		return c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConn) Close() error {
	l.close.Do(func() { close(l.done) })
	return nil
}

func (l *oneConn) Addr() net.Addr { return memAddr{} }

// serveStream runs one connection carrying data through an http.Server,
// behind the guard or not, and returns the requests its handler saw and,
// behind the guard, the guard's connection.
func serveStream(t testing.TB, data []byte, seg uint8, guarded bool) ([]seen, *Conn, []string) {
	rec := &recorder{}
	var gc *Conn
	var heads []string
	// net/http recovers a panic of the connection's goroutine (where the
	// guard's Read runs) and logs it: that must fail the test.
	panics := &panicLog{}
	closed := make(chan struct{})
	var once sync.Once
	srv := &http.Server{
		Handler:        rec,
		ErrorLog:       log.New(panics, "", 0),
		MaxHeaderBytes: fuzzMaxHead,
		ConnState: func(c net.Conn, s http.ConnState) {
			if gc, ok := c.(*Conn); ok && s == http.StateNew {
				// Before net/http reads from it.
				gc.onHead = func(h []byte) { heads = append(heads, string(h)) }
			}
			if s == http.StateClosed || s == http.StateHijacked {
				gc, _ = c.(*Conn)
				once.Do(func() { close(closed) })
			}
		},
	}
	var l net.Listener = &oneConn{c: &memConn{data: data, seg: int(seg), rng: uint32(seg) | 1}, done: make(chan struct{})}
	if guarded {
		l = NewListener(l, Config{MaxRequestLineBytes: fuzzMaxLine, MaxHeaderBytes: fuzzMaxHead})
		srv.Handler = Handler(rec)
		srv.ConnContext = ConnContext
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	select {
	case <-closed:
	case <-time.After(4 * time.Second):
		// Within the fuzzing engine's own 10 s limit, which kills the
		// worker without a word.
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		_ = os.WriteFile(filepath.Join(os.TempDir(), "frontconn-hang.txt"), buf, 0o644)
		t.Fatalf("connection still served after 4s (guarded %v): %q", guarded, data)
	}
	_ = srv.Close()
	<-served
	if msg := panics.String(); msg != "" {
		t.Fatalf("guarded %v: %s", guarded, msg)
	}
	if gc != nil {
		gc.rmu.Lock() // a background read may still be running
		defer gc.rmu.Unlock()
	}
	return rec.list(), gc, slices.Clone(heads)
}

type panicLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *panicLog) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "panic") {
		l.mu.Lock()
		l.b.Write(p)
		l.mu.Unlock()
	}
	return len(p), nil
}

func (l *panicLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// suspicious reports whether data may hold something the guard refuses
// while net/http accepts it: obs-fold, Transfer-Encoding with
// Content-Length or in HTTP/1.0, a version other than 1.x, a line or a
// head over the limits. It errs on the side of yes; for the other
// streams, both servers must see exactly the same requests.
func suspicious(data []byte) bool {
	if len(data) > fuzzMaxHead {
		return true
	}
	s := string(data)
	for i := 0; ; {
		j := strings.Index(s[i:], "HTTP/")
		if j < 0 {
			break
		}
		i += j + 5
		if i < len(s) && httpsyntax.IsDigit(s[i]) && s[i] != '1' {
			return true
		}
	}
	te, cl := false, false
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if len(l) > fuzzMaxLine || l != "" && (l[0] == ' ' || l[0] == '\t') {
			return true
		}
		if name, _, ok := strings.Cut(l, ":"); ok {
			switch strings.ToLower(name) {
			case "transfer-encoding":
				te = true
			case "content-length":
				cl = true
			}
		}
	}
	return te && (cl || strings.Contains(s, "HTTP/1.0"))
}

func checkFraming(t *testing.T, data []byte, seg uint8) {
	plain, _, _ := serveStream(t, data, seg, false)
	guarded, gc, heads := serveStream(t, data, seg, true)
	refused, failed := false, false
	if gc != nil {
		gc.rmu.Lock()
		refused, failed = gc.status.Load() != 0, gc.err != nil
		gc.rmu.Unlock()
	}
	report := func(msg string) {
		t.Helper()
		t.Fatalf("%s\nstream %q (seg %d)\nrefused %v failed %v\nnet/http alone: %v\nbehind guard:   %v",
			msg, data, seg, refused, failed, plain, guarded)
	}
	if len(guarded) > len(plain) {
		report("the guard let through more requests")
	}
	for i, g := range guarded {
		// A body error that net/http found behind the guard, other than
		// the stream's end, is one the guard missed; on a connection
		// net/http keeps open after it (a full-duplex handler) the bytes
		// after it would be read as a request the guard never checked.
		if g.err && !strings.HasPrefix(g.errText, "frontconn: ") && !eofError[g.errText] {
			report(fmt.Sprintf("net/http found a body error the guard missed: %s", g.errText))
		}
		p := plain[i]
		if same(g, p) {
			continue
		}
		// Only the last request may differ, and only in its body: the
		// guard may fail a body earlier than net/http (a construct it
		// refuses), and net/http's trailer look-ahead (it wants a
		// CRLFCRLF within 4 KiB) may see the synthetic head instead of
		// refused bytes.
		if i != len(guarded)-1 || g.id != p.id || !g.err && !p.err {
			report("the servers saw different requests")
		}
		if !suspicious(data) && !refused {
			report("a request of a stream with nothing to refuse differs")
		}
	}
	if !suspicious(data) && len(guarded) != len(plain) {
		report("the guard cut a stream with nothing to refuse")
	}
	// Every request net/http parsed behind the guard must be a head the
	// guard checked, in order: where they disagree on framing, net/http
	// reads a head the guard took for body bytes, or the other way round.
	// net/http answers OPTIONS * itself and then goes on.
	j := 0
	for _, g := range guarded {
		line, _, _ := strings.Cut(g.id, "|host=")
		for ; j < len(heads); j++ {
			if headLine(heads[j]) == line {
				break
			}
			if !strings.HasPrefix(heads[j], "OPTIONS * ") {
				report(fmt.Sprintf("request %q is not the head the guard passed on: %q", line, heads[j]))
			}
		}
		if j == len(heads) {
			report(fmt.Sprintf("request %q was not passed on by the guard as a head (heads %q)", line, heads))
		}
		j++
	}
}

// eofError are net/http's body errors that come from the end of the
// stream, or from its trailer look-ahead (which wants a CRLFCRLF in the
// next 4 KiB, even beyond the trailer, and fails when the guard's own
// error comes first).
var eofError = map[string]bool{
	io.ErrUnexpectedEOF.Error():                          true,
	"http: unexpected EOF reading trailer":               true,
	"http: suspiciously long trailer after chunked body": true,
}

// headLine is a head's request line in the form of seen.id.
func headLine(h string) string {
	line, _, _ := strings.Cut(h, "\n")
	line = strings.TrimSuffix(line, "\r")
	method, rest, _ := strings.Cut(line, " ")
	uri, proto, _ := strings.Cut(rest, " ")
	return method + " " + uri + "|" + proto
}

func FuzzFraming(f *testing.F) {
	for _, p := range probes {
		raw := p.raw
		if len(raw) > fuzzMaxHead {
			raw = raw[:fuzzMaxLine+100] + "\r\n\r\n"
		}
		for _, seg := range []uint8{0, 1, 7} {
			f.Add([]byte(raw), seg)
		}
	}
	for _, s := range []string{
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a=b\r\nx\r\n10\r\n0123456789abcdef\r\n0\r\nA: b\r\nC: d\r\n\r\nPUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
		"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\nGET /n HTTP/1.1\r\nHost: a\r\n\r\n",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(3))
	}
	// Streams at the edges of net/http's chunked reader, for the mutator
	// to push over them.
	const chunked = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	const next = "GET /n HTTP/1.1\r\nHost: a\r\n\r\n"
	pad := func(n int) string { return strings.Repeat("1;"+strings.Repeat("e", 200)+"\r\nx\r\n", n) }
	for _, s := range []string{
		// Both sides of each edge: 16 hex digits, a 4096-byte line,
		// the overhead allowed (88 padded chunks fit, 89 do not), a
		// 4096-byte trailer section.
		chunked + "0000000000000005\r\nhello\r\n0\r\n\r\n" + next,
		chunked + "00000000000000005\r\nhello\r\n0\r\n\r\n" + next,
		chunked + "5;" + strings.Repeat("e", 4092) + "\r\nhello\r\n0\r\n\r\n" + next,
		chunked + "5;" + strings.Repeat("e", 4093) + "\r\nhello\r\n0\r\n\r\n" + next,
		chunked + pad(88) + "0\r\n\r\n" + next,
		chunked + pad(89) + "0\r\n\r\n" + next,
		chunked + "0\r\n" + strings.Repeat("T: "+strings.Repeat("t", 95)+"\r\n", 40) + "T: " + strings.Repeat("t", 89) + "\r\n\r\n" + next,
		chunked + "0\r\n" + strings.Repeat("T: "+strings.Repeat("t", 95)+"\r\n", 40) + "T: " + strings.Repeat("t", 90) + "\r\n\r\n" + next,
		chunked + "5 \t\r\nhello\r\n5;a=b \r\nworld\r\n0;x\r\n\r\n" + next,
		chunked + "0\r\nA: b\r\n \r\n\r\n" + next,
		chunked + "0\r\nA: b\r\n\tc\r\n\r\n" + next,
		chunked + "0\r\n" + strings.Repeat("T: "+strings.Repeat("t", 95)+"\r\n", 40) + "\r\n" + next,
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0000000000000000000003\r\n\r\nabc" + next,
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(5))
	}
	// A body cut short this long makes net/http sleep 500 ms before it
	// closes (closeWriteAndWait): once is enough.
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\nabc"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, seg uint8) {
		checkFraming(t, data, seg)
	})
}
