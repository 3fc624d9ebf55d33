package proxy

// Tests of the HTTP/1.1 backend client (package h1) as the proxy uses it:
// the statuses its failures map to and the timeouts it applies, through a
// running proxy. The client's own tests are in proxy/internal/h1.

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

// stallingBody answers with a header announcing more than it sends, then
// sends nothing until the request ends.
func stallingBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "100")
	io.WriteString(w, "start")
	w.(http.Flusher).Flush()
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// The proxy aborts the client's connection when the backend stalls in the
// middle of a body.
func TestProxyReadIdleAbortsClient(t *testing.T) {
	be := backend(t, stallingBody)
	fx := startProxy(t, Options{Timeouts: Timeouts{ReadIdle: 100 * time.Millisecond}}, netRoute("r", "/", be.URL))
	cl := &http.Client{Timeout: 3 * time.Second}
	// The header may still be in the server's buffer when the connection
	// is cut (a known length is not flushed early): then Get fails.
	rsp, err := cl.Get(fx.url("/"))
	if err == nil {
		defer rsp.Body.Close()
		var b []byte
		b, err = io.ReadAll(rsp.Body)
		if err == nil {
			t.Fatalf("read %q to the end", b)
		}
	}
	if isTimeout(err) {
		t.Fatalf("%v: the client timed out, the proxy did not cut", err)
	}
}

// TestMalformedBackendFieldIs502: the answer nginx refuses with 502 is
// refused, not read until the backend closes.
func TestMalformedBackendFieldIs502(t *testing.T) {
	for _, answer := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nX Y: 1\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: a\x01\r\n\r\nok",
	} {
		be := startRawBackend(t, answerWith(answer))
		fx := startProxy(t, Options{}, netRoute("r", "/", "http://"+be.addr))
		cl := &http.Client{Timeout: 5 * time.Second}
		rsp, err := cl.Get(fx.url("/"))
		if err != nil {
			t.Fatalf("%q: %v", answer, err)
		}
		rsp.Body.Close()
		if rsp.StatusCode != http.StatusBadGateway {
			t.Errorf("%q: status %d, want 502", answer, rsp.StatusCode)
		}
	}
}

// TestHeadEndingInLFThenCRLF: a head whose last field line ends with a
// bare LF and whose blank line is a CRLF is complete; the fast parser used
// to wait for a CRLF CRLF that never came (found by FuzzReadResponse).
func TestHeadEndingInLFThenCRLF(t *testing.T) {
	be := startRawBackend(t, answerWith("HTTP/1.1 200 OK\nContent-Length: 2\n\r\nok"))
	fx := startProxy(t, Options{Timeouts: Timeouts{ResponseHeader: 5 * time.Second}}, netRoute("r", "/", "http://"+be.addr))
	start := time.Now()
	rsp, body := get(t, fx.url("/"))
	if rsp.StatusCode != 200 || body != "ok" {
		t.Fatalf("%d %q", rsp.StatusCode, body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("answered after %v", d)
	}
}

func setRawRegistry() filters.Registry {
	reg := testRegistry()
	reg.Register(testSpec{"setRaw", func(a []any) filters.Filter {
		k, v := str(a, 0), str(a, 1)
		return funcFilter{req: func(c filters.FilterContext) {
			r := c.Request()
			switch k {
			case "query":
				r.URL.RawQuery = v
			case "method":
				r.Method = v
			default:
				r.Header[k] = []string{v}
			}
		}}
	}})
	return reg
}

// TestInvalidRequestIs400 sends requests made invalid by a filter through
// every backend client: each is refused with 400 before reaching the
// backend, and not retried.
func TestInvalidRequestIs400(t *testing.T) {
	var hits atomic.Int32
	h := func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }
	plain := httptest.NewServer(http.HandlerFunc(h))
	defer plain.Close()
	tlsBe := httptest.NewTLSServer(http.HandlerFunc(h))
	defer tlsBe.Close()
	h2cBe := httptest.NewServer(h2c.NewHandler(http.HandlerFunc(h), &http2.Server{}))
	defer h2cBe.Close()
	backends := []struct{ name, url string }{
		{"h1", plain.URL},
		{"https", tlsBe.URL},
		{"h2c", strings.Replace(h2cBe.URL, "http://", "h2c://", 1)},
	}
	for _, tc := range []struct {
		name   string
		filter *eskip.Filter
		expect bool // Expect: 100-continue (a small body is buffered and sent without it)
	}{
		{"CR LF in a value", f("setRaw", "X-Evil", "a\r\nInjected: yes"), false},
		{"NUL in a value", f("setRaw", "X-Evil", "a\x00"), false},
		{"bad name", f("setRaw", "X Evil", "a"), false},
		{"invalid method", f("setRaw", "method", "G(E)T"), false},
		{"CR LF in a value, Expect", f("setRaw", "X-Evil", "a\r\nInjected: yes"), true},
		{"control character in the query", f("setRaw", "query", "a\x01b"), false},
		{"invalid Host", f("host", "a b"), false},
	} {
		for _, be := range backends {
			t.Run(tc.name+"/"+be.name, func(t *testing.T) {
				hits.Store(0)
				route := netRoute("r", "/", be.url, tc.filter)
				lb := &eskip.Route{Id: "lb", Path: "/lb", Filters: route.Filters, BackendType: eskip.LBBackend,
					LBEndpoints: []*eskip.LBEndpoint{{Address: be.url}, {Address: be.url}}}
				fx := startProxyReg(t, setRawRegistry(), Options{Insecure: true}, route, lb)
				defer fx.proxy.std.CloseIdleConnections()
				defer fx.proxy.h2c.CloseIdleConnections()
				for _, path := range []string{"/", "/lb"} {
					req := mustReq(t, "POST", fx.url(path), strings.NewReader("body"))
					if tc.expect {
						req.Header.Set("Expect", "100-continue")
					}
					rsp, body := do(t, req)
					if rsp.StatusCode != http.StatusBadRequest {
						t.Errorf("%s: status %d, want 400 (body %q)", path, rsp.StatusCode, body)
					}
				}
				if n := hits.Load(); n != 0 {
					t.Errorf("the backend got %d requests", n)
				}
			})
		}
	}
}
