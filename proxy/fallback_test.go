package proxy

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// answerAndClose writes s and closes the connection, which ends a body
// delimited by close.
func answerAndClose(s string) func(net.Conn) {
	return func(c net.Conn) {
		_, _ = c.Write([]byte(s))
		_ = c.Close()
	}
}

// Responses the fast parser leaves to net/http lose "Connection" there when
// it lists "close"; the headers named next to it are still hop-by-hop.
func TestFallbackResponseConnectionTokens(t *testing.T) {
	big := "X-Big: " + strings.Repeat("b", 5000) + "\r\n"
	for _, tc := range []struct {
		name    string
		answer  func(net.Conn)
		upgrade bool
	}{
		{"fast path", answerWith("HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nX-End: 1\r\nContent-Length: 2\r\n\r\nok"), false},
		{"bare LF", answerWith("HTTP/1.1 200 OK\nConnection: close, X-Hop\nX-Hop: 1\nX-End: 1\nContent-Length: 2\n\nok"), false},
		{"header over 4 KiB", answerWith("HTTP/1.1 200 OK\r\n" + big + "Connection: close\r\nConnection: X-Hop\r\nX-Hop: 1\r\nX-End: 1\r\nContent-Length: 2\r\n\r\nok"), false},
		{"read to close", answerAndClose("HTTP/1.1 200 OK\r\nConnection: X-Hop, close\r\nX-Hop: 1\r\nX-End: 1\r\n\r\nok"), false},
		{"interim then bare LF", answerWith("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\nConnection: close,X-Hop\nX-Hop: 1\nX-End: 1\nContent-Length: 2\n\nok"), false},
		{"upgrade refused", answerWith("HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nX-End: 1\r\nContent-Length: 2\r\n\r\nok"), true},
		{"upgrade refused, bare LF", answerWith("HTTP/1.1 200 OK\nConnection: close, X-Hop\nX-Hop: 1\nX-End: 1\nContent-Length: 2\n\nok"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := startRawBackend(t, tc.answer)
			fx := startProxy(t, Options{}, netRoute("r", "/", "http://"+be.addr))
			req := mustReq(t, "GET", fx.url("/"), nil)
			if tc.upgrade {
				withUpgrade(req)
			}
			rsp, body := do(t, req)
			if rsp.StatusCode != 200 || body != "ok" {
				t.Fatalf("%d %q", rsp.StatusCode, body)
			}
			if got := rsp.Header.Get("X-Hop"); got != "" {
				t.Errorf("X-Hop %q reached the client", got)
			}
			if got := rsp.Header.Get("X-End"); got != "1" {
				t.Errorf("X-End %q", got)
			}
		})
	}
}

// endlessTrailer sends a chunked body whose trailer section never ends.
func endlessTrailer(head string) func(net.Conn) {
	return func(c net.Conn) {
		if _, err := c.Write([]byte(head + "2\r\nok\r\n0\r\n")); err != nil {
			return
		}
		line := []byte("X-Trailer: " + strings.Repeat("t", 1000) + "\r\n")
		for {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	}
}

func TestEndlessTrailerCutsResponse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  func(net.Conn)
		upgrade bool
	}{
		{"fast path", endlessTrailer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), false},
		{"bare LF", endlessTrailer("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"), false},
		{"upgrade refused", endlessTrailer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := startRawBackend(t, tc.answer)
			fx := startProxy(t, Options{}, netRoute("r", "/", "http://"+be.addr))
			req := mustReq(t, "GET", fx.url("/"), nil)
			if tc.upgrade {
				withUpgrade(req)
			}
			cl := &http.Client{Timeout: 20 * time.Second}
			rsp, err := cl.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer rsp.Body.Close()
			b, err := io.ReadAll(rsp.Body)
			if err == nil {
				t.Fatalf("body %q ended normally", b)
			}
			if strings.Contains(err.Error(), "Timeout") {
				t.Fatalf("the proxy kept reading the trailer: %v", err)
			}
		})
	}
}

// A malformed answer is the backend's fault (502) whichever client read
// it; a connection closed before the answer is not a malformed answer.
func TestHTTPSMalformedBackendResponses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
		status int
	}{
		{"garbage", "garbage\r\n\r\n", 502},
		{"bad status code", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", 502},
		{"bad header line", "HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n", 502},
		{"bad content length", "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", 502},
		{"header over 1 MiB", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("y", 1000)+"\r\n", 1100), 502},
		{"closed before answering", "", 500},
		{"reset before answering", "reset", 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					return
				}
				if tc.answer == "reset" {
					// The TLS connection hides the TCP one; reach it
					// to make Close send a reset.
					if tlsc, ok := c.(*tls.Conn); ok {
						if tcp, ok := tlsc.NetConn().(*net.TCPConn); ok {
							_ = tcp.SetLinger(0)
							_ = tcp.Close()
							return
						}
					}
				}
				_, _ = c.Write([]byte(tc.answer))
				_ = c.Close()
			}))
			be.TLS = &tls.Config{NextProtos: []string{"http/1.1"}}
			be.StartTLS()
			defer be.Close()
			fx := startProxy(t, Options{Insecure: true}, netRoute("r", "/", be.URL))
			defer fx.proxy.std.CloseIdleConnections()
			rsp, body := get(t, fx.url("/"))
			if rsp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (body %q)", rsp.StatusCode, tc.status, body)
			}
		})
	}
}
