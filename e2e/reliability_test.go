package e2e

// The reliability suite: what a client or backend that misbehaves (by
// accident or on purpose) must not be able to do to skiff or to other
// clients. Each test pins one finding of a hardening review.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
)

// dialInstance opens a raw TCP connection to the proxy listener.
func dialInstance(t *testing.T, in *instance) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// upgradeThrough opens a WebSocket-style relay through in to an echo
// backend and checks it echoes.
func upgradeThrough(t *testing.T, in *instance) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn := dialInstance(t, in)
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	rsp, err := http.ReadResponse(br, nil)
	if err != nil || rsp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", rsp, err)
	}
	echoOnce(t, conn, br, "hello")
	return conn, br
}

func echoOnce(t *testing.T, conn net.Conn, br *bufio.Reader, msg string) {
	t.Helper()
	if _, err := io.WriteString(conn, msg); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != msg {
		t.Fatalf("echo of %q: %q %v", msg, got, err)
	}
}

// TestShutdownGivesWebSocketsTheGrace: after the listener closed, an
// upgraded connection keeps working for the shutdown timeout, and Run
// returns as soon as it ends, not before.
func TestShutdownGivesWebSocketsTheGrace(t *testing.T) {
	ws := newBackend(t, "ws", echoUpgrade)
	in := start(t, routes(fmt.Sprintf(`ws: Path("/ws") -> %q;`, ws.URL)),
		skiff.Options{ShutdownTimeout: 10 * time.Second})
	conn, br := upgradeThrough(t, in)

	in.stopped = true // this test waits for Run itself
	in.cancel()
	// The listener closes at once (no drain period in these tests)...
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	// ... while the relay goes on, and Run waits for it.
	time.Sleep(300 * time.Millisecond)
	echoOnce(t, conn, br, "still here during shutdown")
	select {
	case err := <-in.done:
		t.Fatalf("Run returned (%v) with a WebSocket open and grace left", err)
	default:
	}
	conn.Close()
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the last WebSocket closed")
	}
}

// TestShutdownTimeoutCutsWebSockets: the grace is bounded.
func TestShutdownTimeoutCutsWebSockets(t *testing.T) {
	ws := newBackend(t, "ws", echoUpgrade)
	in := start(t, routes(fmt.Sprintf(`ws: Path("/ws") -> %q;`, ws.URL)),
		skiff.Options{ShutdownTimeout: 300 * time.Millisecond})
	conn, br := upgradeThrough(t, in)
	in.stopped = true
	start := time.Now()
	in.cancel()
	select {
	case <-in.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the shutdown timeout")
	}
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("Run returned after %v, before the 300ms grace", took)
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Error("the relay is still open after Run returned")
	}
}

// misbehavingBackend answers each request by the first segment of its
// path, always naming the request's path in X-Path (and in the body where
// there is one), and then misbehaving as the segment says:
//
//	/ok/...     a correct response
//	/stray/...  a second, unsolicited response 50ms later
//	/clte/...   Content-Length and Transfer-Encoding: chunked together
//	/long/...   a body longer than its Content-Length
//	/head/...   (HEAD) a body after the header
//	/204/...    a 204 with a body
//	/304/...    a 304 with a body
//	/switch/... an unasked 101
//
// Whatever comes out of turn is itself a well-formed response for the
// path "/stray", so a proxy that reused the connection would hand it to
// the next request as its answer.
func misbehavingBackend(t *testing.T) string {
	t.Helper()
	return rawBackend(t, serveMisbehaving)
}

const strayResponse = "HTTP/1.1 200 OK\r\nX-Path: /stray\r\nContent-Length: 6\r\n\r\n/stray"

func serveMisbehaving(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		p := req.URL.Path
		seg, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		ok := fmt.Sprintf("HTTP/1.1 200 OK\r\nX-Path: %s\r\nContent-Length: %d\r\n\r\n%s", p, len(p), p)
		var out string
		switch seg {
		case "stray":
			if _, err := io.WriteString(c, ok); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
			out = strayResponse
		case "clte":
			out = fmt.Sprintf("HTTP/1.1 200 OK\r\nX-Path: %s\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n%s", p, len(p), p, strayResponse)
		case "long":
			out = ok + strayResponse
		case "head":
			out = fmt.Sprintf("HTTP/1.1 200 OK\r\nX-Path: %s\r\nContent-Length: %d\r\n\r\n%s", p, len(strayResponse), strayResponse)
		case "204", "304":
			out = fmt.Sprintf("HTTP/1.1 %s Whatever\r\nX-Path: %s\r\n\r\n%s", seg, p, strayResponse)
		case "switch":
			out = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n" + strayResponse
		default:
			out = ok
		}
		if _, err := io.WriteString(c, out); err != nil {
			return
		}
	}
}

// answerOf sends one request through in and checks that the answer is the
// request's own: its path in X-Path and, where there is a body, in the
// body; a 502 is acceptable only for the unasked 101.
func answerOf(t *testing.T, client *http.Client, method, url, path string) (wrong string) {
	req, _ := http.NewRequest(method, url+path, nil)
	rsp, err := client.Do(req)
	if err != nil {
		return fmt.Sprintf("%s %s: %v", method, path, err)
	}
	body, err := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch {
	case err != nil:
		return fmt.Sprintf("%s %s: body: %v", method, path, err)
	case seg == "switch":
		if rsp.StatusCode != http.StatusBadGateway {
			return fmt.Sprintf("%s %s: status %d, want 502", method, path, rsp.StatusCode)
		}
	case rsp.Header.Get("X-Path") != path:
		return fmt.Sprintf("%s %s: got the answer for %q (status %d, body %q)", method, path, rsp.Header.Get("X-Path"), rsp.StatusCode, body)
	case method == "GET" && (seg == "ok" || seg == "stray" || seg == "clte" || seg == "long") && string(body) != path:
		return fmt.Sprintf("%s %s: body %q", method, path, body)
	}
	return ""
}

// TestNoCrosstalkWithMisbehavingBackends: two clients alternate requests
// through one backend connection; one of them triggers the misbehaviour.
// Every answer must be the request's own, every time.
func TestNoCrosstalkWithMisbehavingBackends(t *testing.T) {
	be := misbehavingBackend(t)
	in := start(t, routes(fmt.Sprintf(`all: * -> %q;`, be)), skiff.Options{})
	for _, tc := range []struct {
		seg, method string
		gap         time.Duration // after each request: the stray answer arrives while the connection is idle
	}{
		{"stray", "GET", 80 * time.Millisecond},
		{"clte", "GET", 0},
		{"long", "GET", 0},
		{"head", "HEAD", 0},
		{"204", "GET", 0},
		{"304", "GET", 0},
		{"switch", "GET", 0},
	} {
		t.Run(tc.seg, func(t *testing.T) {
			a := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
			b := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
			defer a.CloseIdleConnections()
			defer b.CloseIdleConnections()
			n := 40
			if tc.gap > 0 {
				n = 16
			}
			wrong := 0
			check := func(w string) {
				if w != "" {
					wrong++
					if wrong <= 3 {
						t.Error(w)
					}
				}
				time.Sleep(tc.gap)
			}
			for i := 0; i < n; i++ {
				check(answerOf(t, a, tc.method, in.url, fmt.Sprintf("/%s/a%d", tc.seg, i)))
				check(answerOf(t, b, "GET", in.url, fmt.Sprintf("/ok/b%d", i)))
			}
			if wrong > 0 {
				t.Errorf("%d of %d answers were not the request's own", wrong, 2*n)
			}
		})
	}
}

// rawExchange writes raw to a fresh connection to in, closes the write
// side, and returns everything read until the proxy closed the connection
// (or 3s passed: closed then reports false).
func rawExchange(t *testing.T, in *instance, raw string) (answers []*http.Response, closed bool) {
	t.Helper()
	c := dialInstance(t, in)
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	br := bufio.NewReader(c)
	for {
		rsp, err := http.ReadResponse(br, nil)
		if err != nil {
			var ne net.Error
			return answers, !(errors.As(err, &ne) && ne.Timeout())
		}
		io.Copy(io.Discard, rsp.Body)
		rsp.Body.Close()
		answers = append(answers, rsp)
	}
}

// TestNoRequestSmuggling: requests whose framing two HTTP parsers could
// read differently are refused with 400 and the connection closed; none
// of them, and nothing after them, reaches the backend (RFC 9112 §6.1,
// §6.3, §5.2). Valid pipelined requests still all arrive.
func TestNoRequestSmuggling(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	be := newBackend(t, "be", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+string(b))
		mu.Unlock()
	})
	in := start(t, routes(fmt.Sprintf(`all: * -> %q;`, be.URL)), skiff.Options{})
	smuggled := "GET /SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tc := range []struct {
		name     string
		raw      string
		statuses []int
		closed   bool
		backend  []string
	}{
		{"CL.TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			[]int{400}, true, nil},
		{"TE.CL", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\n" + smuggled + "\r\n0\r\n\r\n",
			[]int{400}, true, nil},
		{"TE on obs-fold", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Pad: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			[]int{400}, true, nil},
		{"HTTP/1.0 TE and CL", "POST / HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled,
			[]int{400}, true, nil},
		{"space before colon", "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n" + smuggled,
			[]int{400}, true, nil},
		{"pipelined valid", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
			"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nde" + "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]int{200, 200, 200}, true, []string{"POST /a abc", "POST /b de", "GET /c "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			answers, closed := rawExchange(t, in, tc.raw)
			var statuses []int
			for _, a := range answers {
				statuses = append(statuses, a.StatusCode)
			}
			if fmt.Sprint(statuses) != fmt.Sprint(tc.statuses) {
				t.Errorf("statuses %v, want %v", statuses, tc.statuses)
			}
			if closed != tc.closed {
				t.Errorf("connection closed: %v, want %v", closed, tc.closed)
			}
			mu.Lock()
			defer mu.Unlock()
			if fmt.Sprint(seen) != fmt.Sprint(tc.backend) {
				t.Errorf("backend saw %q, want %q", seen, tc.backend)
			}
		})
	}
}

// TestLongRequestLineIs414: a request line over -max-request-line-bytes
// is refused, not forwarded.
func TestLongRequestLineIs414(t *testing.T) {
	be := newBackend(t, "be", nil)
	in := start(t, routes(fmt.Sprintf(`all: * -> %q;`, be.URL)), skiff.Options{})
	answers, closed := rawExchange(t, in, "GET /"+strings.Repeat("a", 1<<20)+" HTTP/1.1\r\nHost: x\r\n\r\n")
	if len(answers) != 1 || answers[0].StatusCode != http.StatusRequestURITooLong || !closed {
		t.Errorf("answers %v, closed %v; want one 414 and a closed connection", answers, closed)
	}
	if n := be.hits.Load(); n != 0 {
		t.Errorf("backend got %d requests", n)
	}
}

// rawBackend serves every connection with serve, on loopback.
func rawBackend(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln := listen(t)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				serve(c)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestBackendAnswersThatNeverEnd: an invalid header line (which would
// leave the body framed by the connection's end) is a 502; a body that
// stops arriving is cut after the backend read idle timeout instead of
// holding the client for ever: with a 504 when no byte of it came, else
// by closing the connection after the bytes that did.
func TestBackendAnswersThatNeverEnd(t *testing.T) {
	badHeader := rawBackend(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok")
		io.Copy(io.Discard, c) // keeps the connection open until skiff closes it
	})
	stalled := rawBackend(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
		io.Copy(io.Discard, c)
	})
	silent := rawBackend(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
		io.Copy(io.Discard, c)
	})
	in := start(t, routes(
		fmt.Sprintf(`bad: Path("/bad") -> %q;`, badHeader),
		fmt.Sprintf(`stalled: Path("/stalled") -> %q;`, stalled),
		fmt.Sprintf(`silent: Path("/silent") -> %q;`, silent),
	), skiff.Options{ReadIdleTimeoutBackend: 300 * time.Millisecond})

	// A header and then nothing: nothing was committed to the client yet,
	// so it gets the timeout's status.
	start := time.Now()
	if r := in.get(t, "/silent"); r.status != http.StatusGatewayTimeout {
		t.Errorf("silent body: status %d, want 504", r.status)
	}
	if took := time.Since(start); took < 250*time.Millisecond || took > 3*time.Second {
		t.Errorf("silent body answered after %v, want about the 300ms idle timeout", took)
	}

	start = time.Now()
	if r := in.get(t, "/bad"); r.status != http.StatusBadGateway {
		t.Errorf("invalid header line: status %d, want 502", r.status)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the 502 took %v", took)
	}

	start = time.Now()
	rsp, err := in.client.Get(in.url + "/stalled")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	took := time.Since(start)
	if err == nil || string(body) != "0123456789" {
		t.Errorf("stalled body: got %q, err %v; want the 10 bytes sent and a cut connection", body, err)
	}
	if took < 250*time.Millisecond || took > 3*time.Second {
		t.Errorf("stalled body cut after %v, want about the 300ms idle timeout", took)
	}
}

// TestSlowClientsThroughRun: the client-side idle bounds through the whole
// server: a stalled body gets 408 and a closed connection; a client that
// stops reading frees its backend.
func TestSlowClientsThroughRun(t *testing.T) {
	backendGaveUp := make(chan struct{}, 1)
	be := newBackend(t, "be", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/endless" {
			io.Copy(io.Discard, r.Body)
			return
		}
		chunk := make([]byte, 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				backendGaveUp <- struct{}{}
				return
			}
		}
	})
	in := start(t, routes(fmt.Sprintf(`all: * -> %q;`, be.URL)), skiff.Options{
		ReadIdleTimeoutServer: 300 * time.Millisecond, WriteIdleTimeoutServer: 300 * time.Millisecond,
	})
	answers, closed := rawExchange(t, in, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a few bytes")
	if len(answers) != 1 || answers[0].StatusCode != http.StatusRequestTimeout || !closed {
		t.Errorf("stalled body: answers %v, closed %v; want a 408 and a closed connection", answers, closed)
	}

	c := dialInstance(t, in)
	io.WriteString(c, "GET /endless HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	select {
	case <-backendGaveUp:
	case <-time.After(10 * time.Second):
		t.Error("the backend still streams to a client that stopped reading 10s ago")
	}
}

// TestHeaderMemoryIsBounded: many connections each sending a large head
// that never ends hold no more than -max-total-header-bytes (plus a few
// KiB each); the ones beyond get 503 and are closed, and the proxy still
// serves afterwards.
func TestHeaderMemoryIsBounded(t *testing.T) {
	be := newBackend(t, "be", nil)
	const budget = 4 << 20
	in := start(t, routes(fmt.Sprintf(`all: * -> %q;`, be.URL)), skiff.Options{MaxTotalHeaderBytes: budget})
	const conns, perConn = 200, 512 << 10 // 100 MiB if nothing bounded it
	heapBefore := heapInUse()
	line := "X-Filler: " + strings.Repeat("f", 1000) + "\r\n"
	var wg sync.WaitGroup
	var refused, cut atomic.Int32
	held := make([]net.Conn, conns)
	for i := range held {
		held[i] = dialInstance(t, in)
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
				return
			}
			for sent := 0; sent < perConn; sent += len(line) {
				if _, err := io.WriteString(c, line); err != nil {
					cut.Add(1)
					break
				}
			}
			// The head never ends; a refused connection got an answer.
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if rsp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil && rsp.StatusCode == http.StatusServiceUnavailable {
				refused.Add(1)
			}
		}(held[i])
	}
	wg.Wait()
	grown := int64(heapInUse()) - int64(heapBefore)
	t.Logf("%d connections refused, %d cut while sending; heap grew by %d KiB", refused.Load(), cut.Load(), grown>>10)
	if limit := int64(budget + conns*16<<10 + 8<<20); grown > limit {
		t.Errorf("heap grew by %d MiB with %d unfinished heads, want under %d MiB", grown>>20, conns, limit>>20)
	}
	if refused.Load() == 0 {
		t.Error("no connection was refused although the heads exceed the budget many times")
	}
	for _, c := range held {
		c.Close()
	}
	if r := in.get(t, "/after"); r.status != 200 {
		t.Errorf("after the flood: status %d", r.status)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
