package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/proxy/internal/tcptest"
)

// dialProxy opens a raw connection to the fixture's listener.
func dialProxy(t *testing.T, fx *fixture) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(fx.server.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestStalledBodyIs408: a client that stops sending its body is answered
// 408 with the connection closed after the read idle timeout, whether the
// body is small enough to be buffered or streamed to the backend.
func TestStalledBodyIs408(t *testing.T) {
	for _, tc := range []struct {
		name   string
		buffer int64
	}{{"buffered", 0}, {"streamed", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			be := backend(t, nil)
			fx := startProxy(t, Options{ClientReadIdle: 200 * time.Millisecond, BufferBodyBytes: tc.buffer},
				netRoute("r", "/", be.URL))
			c := dialProxy(t, fx)
			start := time.Now()
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsome")
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, _ := io.ReadAll(c)
			took := time.Since(start)
			if !strings.HasPrefix(string(got), "HTTP/1.1 408 ") || !strings.Contains(string(got), "Connection: close\r\n") {
				t.Fatalf("answer %q, want 408 and Connection: close", got)
			}
			if took < 150*time.Millisecond || took > 3*time.Second {
				t.Errorf("answered after %v, want about the 200ms idle timeout", took)
			}
			waitLog(t, fx.log)
			if e := fx.log.last(t); e.Status != http.StatusRequestTimeout {
				t.Errorf("logged %d, want 408", e.Status)
			}
		})
	}
}

// TestStalledBodyWithoutIdleTimeoutIs408: with no idle timeout, a body
// that stalls past an absolute limit (here the route's readTimeout) is
// answered 408 too, not cut without an answer.
func TestStalledBodyWithoutIdleTimeoutIs408(t *testing.T) {
	for _, tc := range []struct {
		name   string
		buffer int64
	}{{"buffered", 0}, {"streamed", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			be := backend(t, nil)
			fx := startProxy(t, Options{ClientReadIdle: -1, BufferBodyBytes: tc.buffer},
				netRoute("r", "/", be.URL, f("dur", filters.ReadTimeout, 200.0)))
			c := dialProxy(t, fx)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsome")
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, _ := io.ReadAll(c)
			if !strings.HasPrefix(string(got), "HTTP/1.1 408 ") || !strings.Contains(string(got), "Connection: close\r\n") {
				t.Fatalf("answer %q, want 408 and Connection: close", got)
			}
			waitLog(t, fx.log)
			if e := fx.log.last(t); e.Status != http.StatusRequestTimeout {
				t.Errorf("logged %d, want 408", e.Status)
			}
		})
	}
}

// TestSlowBodyThatProgresses: a body that arrives slowly but steadily is
// never cut by the idle timeout, even when it takes several times as long.
func TestSlowBodyThatProgresses(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{ClientReadIdle: 600 * time.Millisecond}, netRoute("r", "/", be.URL))
	c := dialProxy(t, fx)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n")
	for i := 0; i < 8; i++ {
		time.Sleep(100 * time.Millisecond) // 800ms in all, longer than the idle timeout
		io.WriteString(c, "x")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	rsp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rsp.StatusCode != 200 || rsp.Header.Get("X-Got-Body") != "xxxxxxxx" {
		t.Errorf("status %d, backend got body %q", rsp.StatusCode, rsp.Header.Get("X-Got-Body"))
	}
}

// TestSlowUploadersHoldNoBackendConnection: while clients trickle small
// bodies, the backend sees no connection at all; it gets each request
// complete once its body is.
func TestSlowUploadersHoldNoBackendConnection(t *testing.T) {
	var conns atomic.Int32
	be := httptest.NewUnstartedServer(http.HandlerFunc(echo))
	be.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	be.Start()
	t.Cleanup(be.Close)
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	const clients = 50
	cs := make([]net.Conn, clients)
	for i := range cs {
		cs[i] = dialProxy(t, fx)
		fmt.Fprintf(cs[i], "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf%d", i%10)
	}
	time.Sleep(300 * time.Millisecond)
	if n := conns.Load(); n != 0 {
		t.Fatalf("%d backend connections while %d bodies were incomplete, want 0", n, clients)
	}
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.WriteString(c, "56789")
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			rsp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Error(err)
				return
			}
			if want := fmt.Sprintf("half%d56789", i%10); rsp.Header.Get("X-Got-Body") != want {
				t.Errorf("backend got %q, want %q", rsp.Header.Get("X-Got-Body"), want)
			}
		}()
	}
	wg.Wait()
}

// TestClientThatStopsReading: a client that takes no response bytes is
// disconnected after the write idle timeout, which ends the backend's
// response too (its connection is closed, not held).
func TestClientThatStopsReading(t *testing.T) {
	backendDone := make(chan error, 1)
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				backendDone <- err
				return
			}
		}
	})
	fx := startProxy(t, Options{ClientWriteIdle: 200 * time.Millisecond}, netRoute("r", "/", be.URL))
	c := dialProxy(t, fx)
	c.(*net.TCPConn).SetReadBuffer(4 << 10)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case <-backendDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the backend is still sending 10s after the client stopped reading")
	}
	waitLog(t, fx.log)
	if e := fx.log.last(t); e.Status != statusClientClosed {
		t.Errorf("logged %d, want 499", e.Status)
	}
}

// TestSlowReaderThatProgresses: a client that reads slowly but steadily
// gets the whole response, though the proxy's writes block on it for most
// of the time (the response is larger than the socket buffers). A blocked
// write wakes when the kernel frees about half the send buffer, so the
// client must drain that much per idle period: on loopback the buffer
// grows to megabytes, hence a bound of a second here.
func TestSlowReaderThatProgresses(t *testing.T) {
	const size = 8 << 20
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.Write(make([]byte, size))
	})
	fx := startProxy(t, Options{ClientWriteIdle: time.Second}, netRoute("r", "/", be.URL))
	c := dialProxy(t, fx)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	rsp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	buf := make([]byte, 64<<10)
	start := time.Now()
	for n < size {
		m, err := io.ReadFull(rsp.Body, buf)
		n += m
		if err != nil {
			t.Log(err)
			break
		}
		time.Sleep(10 * time.Millisecond) // 128 pauses: longer than the idle bound in all
	}
	if n != size {
		t.Errorf("read %d of %d bytes in %v", n, size, time.Since(start))
	}
}

// silentContinueBackend reads a request head, never answers 100 Continue,
// reads the body and answers with its length. It reports whether an
// Expect header arrived.
func silentContinueBackend(t *testing.T) (addr string, sawExpect chan bool) {
	t.Helper()
	sawExpect = make(chan bool, 10)
	addr = tcptest.Serve(t, func(_ *tcptest.Server, c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		sawExpect <- req.Header.Get("Expect") != ""
		n, _ := io.Copy(io.Discard, req.Body)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Len: %d\r\nConnection: close\r\n\r\n", n)
	}).Addr
	return addr, sawExpect
}

// TestExpectContinueWithSilentBackend: a backend that never sends 100
// Continue costs a large upload about a second (the body goes anyway), and
// a small one nothing: it is already read, and sent without Expect.
func TestExpectContinueWithSilentBackend(t *testing.T) {
	addr, sawExpect := silentContinueBackend(t)
	fx := startProxy(t, Options{}, netRoute("r", "/", "http://"+addr))
	for _, tc := range []struct {
		size       int
		wantExpect bool
		max        time.Duration
	}{
		{1000, false, 500 * time.Millisecond},
		{200 << 10, true, 5 * time.Second},
	} {
		req, _ := http.NewRequestWithContext(context.Background(), "POST", fx.url("/"), strings.NewReader(strings.Repeat("x", tc.size)))
		req.Header.Set("Expect", "100-continue")
		start := time.Now()
		rsp, _ := do(t, req)
		took := time.Since(start)
		if rsp.StatusCode != 200 || rsp.Header.Get("X-Len") != fmt.Sprint(tc.size) {
			t.Errorf("%d bytes: status %d, backend read %s bytes", tc.size, rsp.StatusCode, rsp.Header.Get("X-Len"))
		}
		if took > tc.max {
			t.Errorf("%d bytes took %v, want under %v", tc.size, took, tc.max)
		}
		if got := <-sawExpect; got != tc.wantExpect {
			t.Errorf("%d bytes: backend saw Expect %v, want %v", tc.size, got, tc.wantExpect)
		}
	}
}
