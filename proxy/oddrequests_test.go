package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/eskip"
)

// TestOddRequests sends requests a client may send on purpose or by
// accident and requires an HTTP answer and no panic for each.
func TestOddRequests(t *testing.T) {
	be := backend(t, nil)
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	routes := []*eskip.Route{
		netRoute("net", "/**", be.URL),
		{Id: "shunt", Path: "/shunt", BackendType: eskip.ShuntBackend},
		{Id: "dyn", Path: "/dyn", BackendType: eskip.DynamicBackend},
		{Id: "loop", Path: "/loop", BackendType: eskip.LoopBackend},
	}
	fx := startProxy(t, Options{Log: log}, routes...)
	addr := strings.TrimPrefix(fx.server.URL, "http://")
	huge := strings.Repeat("a", 64<<10)
	for _, tc := range []struct {
		name, raw string
		status    int // 0: any answer
	}{
		{"absolute form", "GET http://other.example/x?q HTTP/1.1\r\nHost: other.example\r\n\r\n", 200},
		{"options star", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 0},
		{"connect", "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n", 0},
		{"http/1.0 without host", "GET /x HTTP/1.0\r\n\r\n", 200},
		{"http/1.0 upgrade", "GET /x HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 400},
		{"empty host to dynamic", "GET /dyn HTTP/1.0\r\n\r\n", 500},
		{"loop without end", "GET /loop HTTP/1.1\r\nHost: h\r\n\r\n", 500},
		{"shunt with body", "POST /shunt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", 404},
		{"huge header value", "GET /x HTTP/1.1\r\nHost: h\r\nX-Big: " + huge + "\r\n\r\n", 200},
		{"many headers", "GET /x HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X-Many: v\r\n", 2000) + "\r\n", 200},
		{"connection lists host", "GET /x HTTP/1.1\r\nHost: h\r\nConnection: Host, Content-Length, Transfer-Encoding\r\n\r\n", 200},
		{"te without trailers", "GET /x HTTP/1.1\r\nHost: h\r\nTE: gzip;q=1, ,trailers;q=0.5\r\n\r\n", 200},
		{"upgrade to dynamic without host", "GET /dyn HTTP/1.1\r\nHost: \r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n", 0},
		{"chunked post", "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200},
		{"encoded path", "GET /%2F%00%ff/..%2f?%zz HTTP/1.1\r\nHost: h\r\n\r\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, tc.raw); err != nil {
				t.Fatal(err)
			}
			rsp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no response: %v", err)
			}
			rsp.Body.Close()
			t.Logf("status %d", rsp.StatusCode)
			if tc.status != 0 && rsp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", rsp.StatusCode, tc.status)
			}
			for _, e := range hook.AllEntries() {
				if strings.Contains(e.Message, "panic") {
					t.Fatalf("panic: %s", e.Message)
				}
			}
		})
	}
}
