package proxy

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"

	"github.com/skiff-proxy/skiff/proxy/internal/tcptest"
)

// rawBackend serves every connection with answer after reading the
// request header; it records the headers of the last request.
type rawBackend struct {
	addr string
	mu   sync.Mutex
	last textproto.MIMEHeader
}

func (b *rawBackend) header() textproto.MIMEHeader {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

func startRawBackend(t *testing.T, answer func(net.Conn)) *rawBackend {
	t.Helper()
	b := &rawBackend{}
	b.addr = tcptest.Serve(t, func(_ *tcptest.Server, c net.Conn) {
		tp := textproto.NewReader(bufio.NewReader(c))
		if _, err := tp.ReadLine(); err != nil {
			return
		}
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.last = h
		b.mu.Unlock()
		answer(c)
	}).Addr
	return b
}

func answerWith(s string) func(net.Conn) {
	return func(c net.Conn) { _, _ = c.Write([]byte(s)) }
}

// endlessHeader writes header lines until the connection breaks.
func endlessHeader(status string) func(net.Conn) {
	return func(c net.Conn) {
		line := []byte("X-Filler: " + strings.Repeat("y", 1000) + "\r\n")
		if _, err := c.Write([]byte("HTTP/1.1 " + status + "\r\n")); err != nil {
			return
		}
		for {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	}
}

// never reads the request and keeps the connection open until the test
// ends.
func never(c net.Conn) { _, _ = c.Read(make([]byte, 1)) }

func TestMalformedBackendResponses(t *testing.T) {
	// The response-header timeout is long: each case must end with the
	// status of its own failure, not with a timeout.
	o := Options{Timeouts: Timeouts{ResponseHeader: 20 * time.Second}}
	for _, tc := range []struct {
		name   string
		answer func(net.Conn)
		status int
	}{
		{"garbage", answerWith("garbage\r\n\r\n"), 502},
		{"bad status code", answerWith("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"), 502},
		{"bad header line", answerWith("HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n"), 502},
		{"bad content length", answerWith("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n"), 502},
		{"switch not asked for", answerWith("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n"), 502},
		{"endless header", endlessHeader("200 OK"), 502},
		{"endless interim responses", func(c net.Conn) {
			for {
				if _, err := c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n")); err != nil {
					return
				}
			}
		}, 502},
		{"closed before answering", func(c net.Conn) { c.Close() }, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := startRawBackend(t, tc.answer)
			fx := startProxy(t, o, netRoute("r", "/", "http://"+be.addr))
			rsp, body := get(t, fx.url("/"))
			if rsp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (body %q)", rsp.StatusCode, tc.status, body)
			}
		})
	}
}

func TestUpgradeBackendLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(net.Conn)
		status int
	}{
		{"never answers", never, http.StatusGatewayTimeout},
		{"endless header", endlessHeader("101 Switching Protocols"), http.StatusBadGateway},
		{"garbage", answerWith("garbage\r\n\r\n"), http.StatusBadGateway},
		{"other protocol", answerWith("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"), http.StatusBadGateway},
		{"no protocol", answerWith("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n"), http.StatusBadGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := startRawBackend(t, tc.answer)
			fx := startProxy(t, Options{Timeouts: Timeouts{ResponseHeader: 300 * time.Millisecond}},
				netRoute("ws", "/", "http://"+be.addr))
			req := withUpgrade(mustReq(t, "GET", fx.url("/"), nil))
			req.Header["User-Agent"] = []string{""}
			cl := &http.Client{Timeout: 10 * time.Second}
			rsp, err := cl.Do(req)
			if err != nil {
				t.Fatalf("no answer from the proxy: %v", err)
			}
			rsp.Body.Close()
			if rsp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", rsp.StatusCode, tc.status)
			}
		})
	}
}

func TestUpgradeHopHeaders(t *testing.T) {
	be := startRawBackend(t, answerWith("HTTP/1.1 403 Forbidden\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nX-End: 1\r\nContent-Length: 0\r\n\r\n"))
	fx := startProxy(t, Options{}, netRoute("ws", "/", "http://"+be.addr))
	req := mustReq(t, "GET", fx.url("/"), nil)
	req.Header.Set("Connection", "keep-alive, Upgrade, X-Secret")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("X-Secret", "s")
	req.Header.Set("Proxy-Authorization", "Basic eDp5")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("X-End", "e")
	rsp, _ := do(t, req)
	if rsp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d", rsp.StatusCode)
	}
	h := be.header()
	for k, want := range map[string]string{
		"Connection": "Upgrade", "Upgrade": "websocket", "X-End": "e",
		"X-Secret": "", "Proxy-Authorization": "", "Keep-Alive": "",
	} {
		if got := strings.Join(h.Values(k), ","); got != want {
			t.Errorf("backend got %s %q, want %q", k, got, want)
		}
	}
	for k, want := range map[string]string{"X-Hop": "", "Keep-Alive": "", "X-End": "1", "Server": "skiff"} {
		if got := rsp.Header.Get(k); got != want {
			t.Errorf("client got %s %q, want %q", k, got, want)
		}
	}
}

func TestResponseConnectionCloseTokens(t *testing.T) {
	be := startRawBackend(t, answerWith("HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nX-End: 1\r\nContent-Length: 2\r\n\r\nok"))
	for _, tc := range []struct {
		keep      bool
		hop, conn string
	}{
		{false, "", ""},
		{true, "1", ""},
	} {
		fx := startProxy(t, Options{KeepHopHeaders: tc.keep}, netRoute("r", "/", "http://"+be.addr))
		rsp, body := get(t, fx.url("/"))
		if rsp.StatusCode != 200 || body != "ok" {
			t.Fatalf("keep %v: %d %q", tc.keep, rsp.StatusCode, body)
		}
		if got := rsp.Header.Get("X-Hop"); got != tc.hop {
			t.Errorf("keep %v: X-Hop %q, want %q", tc.keep, got, tc.hop)
		}
		if got := rsp.Header.Get("X-End"); got != "1" {
			t.Errorf("keep %v: X-End %q", tc.keep, got)
		}
		if rsp.Close {
			t.Errorf("keep %v: the backend's Connection: close reached the client", tc.keep)
		}
	}
}

func TestH2CBackendResponseHeaderTimeout(t *testing.T) {
	be := httptest.NewServer(h2c.NewHandler(slow(10*time.Second), &http2.Server{}))
	defer be.Close()
	fx := startProxy(t, Options{Timeouts: Timeouts{ResponseHeader: 200 * time.Millisecond}},
		netRoute("r", "/", strings.Replace(be.URL, "http://", "h2c://", 1)))
	defer fx.proxy.h2c.CloseIdleConnections()
	req := mustReq(t, "GET", fx.url("/"), nil)
	req.Header["User-Agent"] = []string{""}
	cl := &http.Client{Timeout: 5 * time.Second}
	rsp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("no answer from the proxy: %v", err)
	}
	rsp.Body.Close()
	if rsp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504", rsp.StatusCode)
	}
}

func TestUpgradeOffered(t *testing.T) {
	for _, tc := range []struct {
		offered []string
		proto   string
		want    bool
	}{
		{[]string{"websocket"}, "websocket", true},
		{[]string{"WebSocket"}, "websocket", true},
		{[]string{"h2c, foo/2"}, " foo/2 ", true},
		{[]string{"a", "b"}, "b", true},
		{[]string{"websocket"}, "h2c", false},
		{[]string{"websocket"}, "", false},
		{nil, "websocket", false},
	} {
		if got := upgradeOffered(tc.offered, tc.proto); got != tc.want {
			t.Errorf("upgradeOffered(%q, %q) = %v", tc.offered, tc.proto, got)
		}
	}
}
