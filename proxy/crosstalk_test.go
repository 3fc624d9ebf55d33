package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/proxy/internal/tcptest"
)

// The crosstalk tests run a backend that misbehaves on keep-alive
// connections behind a real proxy, with two clients sending interleaved
// requests, each to a path of its own; every genuine answer echoes the
// request's path (X-Path, and the body of a 200). A client must get its
// own answer or an error status, and never the path of another request:
// that would be another client's response (the reuse contract of package
// h1, in proxy/internal/h1/doc.go).

// crosstalkBackend answers each request on a connection with answer and
// may send more bytes later.
type crosstalkBackend struct {
	addr   string
	answer func(method, path string) string
	// late, when set, is sent lateDelay after an answer on the same
	// connection (one at a time per connection), while no client request
	// is in flight (gate).
	late      func(path string) string
	lateDelay time.Duration
	gate      sync.RWMutex
	lates     atomic.Int32 // late sends done
}

// crosstalkAnswer is the genuine answer to a request: its path in X-Path
// and, but for HEAD, in the body.
func crosstalkAnswer(method, path string) string {
	if method == http.MethodHead {
		return "HTTP/1.1 200 OK\r\nX-Path: " + path + "\r\nContent-Length: " + strconv.Itoa(len(path)) + "\r\n\r\n"
	}
	return "HTTP/1.1 200 OK\r\nX-Path: " + path + "\r\nContent-Length: " + strconv.Itoa(len(path)) + "\r\n\r\n" + path
}

// crosstalkSmuggled is a complete response for path, as a backend might leave
// it after the real one: a proxy that reused the connection would hand it
// to the next request.
func crosstalkSmuggled(path string) string { return crosstalkAnswer(http.MethodGet, path) }

func (b *crosstalkBackend) start(t *testing.T) {
	t.Helper()
	b.addr = tcptest.Serve(t, b.serve).Addr
}

func (b *crosstalkBackend) serve(srv *tcptest.Server, c net.Conn) {
	var wmu sync.Mutex
	var latePending atomic.Bool
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		path := req.URL.Path
		wmu.Lock()
		_, err = io.WriteString(c, b.answer(req.Method, path))
		wmu.Unlock()
		if err != nil {
			return
		}
		if b.late == nil || latePending.Load() {
			continue
		}
		// One at a time per connection: after it the proxy must not use
		// the connection again.
		latePending.Store(true)
		srv.Go(func() {
			defer latePending.Store(false)
			select {
			case <-srv.Done:
				return
			case <-time.After(b.lateDelay):
			}
			// Only while no client request is in flight: bytes that
			// arrive during an exchange are indistinguishable from its
			// answer in HTTP/1.1, for any client.
			b.gate.Lock()
			defer b.gate.Unlock()
			wmu.Lock()
			_, err := io.WriteString(c, b.late(path))
			wmu.Unlock()
			if err == nil {
				b.lates.Add(1)
				// Loopback delivers at once; the margin makes sure the
				// bytes are in the proxy's receive queue before requests
				// resume.
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
}

// crosstalkBoth answers with Content-Length and Transfer-Encoding; the
// length covers what follows the chunked body (extra): a parser that
// honoured it would pass extra on as body, one that reused the connection
// after the chunked body would pass it on as the next answer.
func crosstalkBoth(p, extra string) string {
	chunked := strconv.FormatInt(int64(len(p)), 16) + "\r\n" + p + "\r\n0\r\n\r\n"
	return "HTTP/1.1 200 OK\r\nX-Path: " + p + "\r\nContent-Length: " + strconv.Itoa(len(chunked)+len(extra)) +
		"\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + extra
}

func TestCrosstalk(t *testing.T) {
	const (
		perClient = 150
		// Cases with late bytes go on until this many were sent (each
		// onto a pooled connection some later request takes), within 5s.
		minLate = 20
		stray   = 50 * time.Millisecond
		late    = 10 * time.Millisecond
	)
	head := func(p string) string {
		return "HTTP/1.1 200 OK\r\nX-Path: " + p + "\r\nContent-Length: " + strconv.Itoa(len(crosstalkSmuggled(p))) + "\r\n\r\n"
	}
	withBody := func(status string) func(_, p string) string {
		return func(_, p string) string {
			return "HTTP/1.1 " + status + "\r\nX-Path: " + p + "\r\n\r\n" + crosstalkSmuggled(p)
		}
	}
	withoutBody := func(status string) func(_, p string) string {
		return func(_, p string) string { return "HTTP/1.1 " + status + "\r\nX-Path: " + p + "\r\n\r\n" }
	}
	for _, tc := range []struct {
		name   string
		method string
		be     *crosstalkBackend
		// errorsOnly: every answer is invalid and must be an error status.
		errorsOnly bool
	}{
		{name: "stray response 50ms after the real one", method: "GET",
			be: &crosstalkBackend{answer: crosstalkAnswer, late: crosstalkSmuggled, lateDelay: stray}},
		{name: "Content-Length and Transfer-Encoding", method: "GET",
			be: &crosstalkBackend{answer: func(_, p string) string { return crosstalkBoth(p, crosstalkSmuggled(p)) }}},
		{name: "body longer than its Content-Length", method: "GET",
			be: &crosstalkBackend{answer: func(m, p string) string { return crosstalkAnswer(m, p) + crosstalkSmuggled(p) }}},
		{name: "body longer than its Content-Length, rest late", method: "GET",
			be: &crosstalkBackend{answer: crosstalkAnswer, late: crosstalkSmuggled, lateDelay: late}},
		{name: "HEAD answered with a body", method: "HEAD",
			be: &crosstalkBackend{answer: func(_, p string) string { return head(p) + crosstalkSmuggled(p) }}},
		{name: "HEAD answered with a late body", method: "HEAD",
			be: &crosstalkBackend{answer: func(_, p string) string { return head(p) }, late: crosstalkSmuggled, lateDelay: late}},
		{name: "204 with a body", method: "GET", be: &crosstalkBackend{answer: withBody("204 No Content")}},
		{name: "204 with a late body", method: "GET",
			be: &crosstalkBackend{answer: withoutBody("204 No Content"), late: crosstalkSmuggled, lateDelay: late}},
		{name: "304 with a body", method: "GET", be: &crosstalkBackend{answer: withBody("304 Not Modified")}},
		{name: "304 with a late body", method: "GET",
			be: &crosstalkBackend{answer: withoutBody("304 Not Modified"), late: crosstalkSmuggled, lateDelay: late}},
		{name: "unasked 101", method: "GET", errorsOnly: true, be: &crosstalkBackend{answer: func(_, p string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\nX-Path: " + p + "\r\n\r\n" + crosstalkSmuggled(p)
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := tc.be
			be.start(t)
			fx := startProxy(t, Options{}, netRoute("r", "/**", "http://"+be.addr))
			deadline := time.Now().Add(5 * time.Second)
			more := func(i int) bool {
				return i < perClient || (be.late != nil && be.lates.Load() < minLate && time.Now().Before(deadline))
			}
			var wg sync.WaitGroup
			for client := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tr := &http.Transport{DisableCompression: true}
					defer tr.CloseIdleConnections()
					for i := 0; more(i); i++ {
						path := "/client" + strconv.Itoa(client) + "/" + strconv.Itoa(i)
						be.gate.RLock()
						status, got, err := crosstalkRequest(tr, tc.method, fx.url(path))
						be.gate.RUnlock()
						if err != nil {
							t.Errorf("%s: %v", path, err)
							return
						}
						if msg := checkOwnAnswer(path, status, got, tc.errorsOnly); msg != "" {
							t.Errorf("%s: %s", path, msg)
							return
						}
					}
				}()
			}
			wg.Wait()
			if n := be.lates.Load(); be.late != nil && n < minLate {
				t.Errorf("only %d late sends", n)
			}
		})
	}
}

// crosstalkRequest returns the status and every path the answer names
// (X-Path and the body).
func crosstalkRequest(rt http.RoundTripper, method, url string) (int, []string, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return 0, nil, err
	}
	rsp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, nil, err
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		return 0, nil, err
	}
	var paths []string
	if p := rsp.Header.Get("X-Path"); p != "" {
		paths = append(paths, p)
	}
	if s := string(b); strings.HasPrefix(s, "/") || strings.Contains(s, "/client") {
		paths = append(paths, s)
	}
	return rsp.StatusCode, paths, nil
}

func checkOwnAnswer(path string, status int, got []string, errorsOnly bool) string {
	for _, p := range got {
		if p != path {
			return "got the answer to " + strconv.Quote(p) + " (status " + strconv.Itoa(status) + ")"
		}
	}
	switch {
	case errorsOnly && status < 500:
		return "status " + strconv.Itoa(status) + " for an invalid answer"
	case errorsOnly:
	case status >= 500:
		return "status " + strconv.Itoa(status) + " for a valid answer"
	case len(got) == 0:
		return "answer without its path"
	}
	return ""
}
