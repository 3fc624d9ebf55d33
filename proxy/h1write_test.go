package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

func TestWriteRequestRefusesInvalidFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*http.Request)
	}{
		{"CR LF in a value", func(r *http.Request) { r.Header["X-Evil"] = []string{"a\r\nInjected: yes"} }},
		{"LF in a value", func(r *http.Request) { r.Header["X-Evil"] = []string{"a\nb"} }},
		{"NUL in a value", func(r *http.Request) { r.Header["X-Evil"] = []string{"a\x00b"} }},
		{"DEL in a value", func(r *http.Request) { r.Header["X-Evil"] = []string{"a\x7fb"} }},
		{"space in a name", func(r *http.Request) { r.Header["X Evil"] = []string{"a"} }},
		{"colon in a name", func(r *http.Request) { r.Header["X:Evil"] = []string{"a"} }},
		{"empty name", func(r *http.Request) { r.Header[""] = []string{"a"} }},
		{"CR LF in a skipped field", func(r *http.Request) { r.Header["Content-Length"] = []string{"1\r\nX: y"} }},
		{"CR LF in the Host", func(r *http.Request) { r.Host = "b\r\nX-Evil: 1" }},
		{"space in the Host", func(r *http.Request) { r.Host = "b c" }},
		{"slash in the Host", func(r *http.Request) { r.Host = "b/c" }},
		{"CR LF in the query", func(r *http.Request) { r.URL.RawQuery = "a\r\nX-Evil: 1" }},
		{"space in the query", func(r *http.Request) { r.URL.RawQuery = "a HTTP/1.0" }},
		{"control character in the opaque", func(r *http.Request) { r.URL.Opaque = "/a\x01" }},
		{"invalid method", func(r *http.Request) { r.Method = "GET /x HTTP/1.1\r\n" }},
		{"invalid trailer name", func(r *http.Request) { r.Trailer = http.Header{"X Y": nil} }},
		{"invalid trailer value", func(r *http.Request) { r.Trailer = http.Header{"X-Y": {"a\nb"}} }},
		{"framing trailer", func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader("x")), -1
			r.Trailer = http.Header{"Content-Length": nil}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://b/p?q", nil)
			tc.edit(req)
			var out bytes.Buffer
			bw := bufio.NewWriter(&out)
			err := writeRequest(bw, req, make([]byte, 64))
			var ie *invalidRequestError
			if !errors.As(err, &ie) {
				t.Fatalf("err %v, want an invalidRequestError", err)
			}
			if bw.Buffered() > 0 || out.Len() > 0 {
				t.Errorf("wrote %q", out.String())
			}
			if strings.Contains(err.Error(), "Injected") {
				t.Errorf("the error quotes a field value: %v", err)
			}
		})
	}
}

func TestWriteRequestValidTricky(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(*http.Request)
		line      string // request line
		host      string
		checkName string
		value     string
	}{
		{"obs-text and tab", func(r *http.Request) { r.Header["X-A"] = []string{"\tcaf\xc3\xa9 "} }, "GET /p?q HTTP/1.1", "b", "X-A", "café"},
		{"empty value", func(r *http.Request) { r.Header["X-A"] = []string{""} }, "GET /p?q HTTP/1.1", "b", "X-A", ""},
		{"punycode host", func(r *http.Request) { r.Host = "bücher.example:8080" }, "GET /p?q HTTP/1.1", "xn--bcher-kva.example:8080", "", ""},
		{"zone removed", func(r *http.Request) { r.Host = "[fe80::1%25en0]:80" }, "GET /p?q HTTP/1.1", "[fe80::1]:80", "", ""},
		{"empty host", func(r *http.Request) { r.Host, r.URL.Host = "", "" }, "GET /p?q HTTP/1.1", "", "", ""},
		{"empty method", func(r *http.Request) { r.Method = "" }, "GET /p?q HTTP/1.1", "b", "", ""},
		{"opaque with authority", func(r *http.Request) { r.URL.Opaque = "//b/x" }, "GET http://b/x?q HTTP/1.1", "b", "", ""},
		{"connect", func(r *http.Request) { r.Method, r.URL.Path, r.URL.RawQuery = "CONNECT", "", "" }, "CONNECT b HTTP/1.1", "b", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://b/p?q", nil)
			tc.edit(req)
			var out bytes.Buffer
			if err := writeRequest(bufio.NewWriter(&out), req, make([]byte, 64)); err != nil {
				t.Fatal(err)
			}
			line, _, _ := strings.Cut(out.String(), "\r\n")
			if line != tc.line {
				t.Errorf("request line %q, want %q", line, tc.line)
			}
			got, err := http.ReadRequest(bufio.NewReader(&out))
			if err != nil {
				t.Fatalf("%v in %q", err, out.String())
			}
			if got.Host != tc.host {
				t.Errorf("Host %q, want %q", got.Host, tc.host)
			}
			if v := got.Header.Get(tc.checkName); tc.checkName != "" && v != tc.value {
				t.Errorf("%s %q, want %q", tc.checkName, v, tc.value)
			}
		})
	}
}

// An invalid trailer value that appears only once the body was read ends
// the request before the trailer section.
func TestWriteRequestLateInvalidTrailer(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://b/", nil)
	req.Trailer = http.Header{"X-Sum": nil}
	req.ContentLength = -1
	req.Body = io.NopCloser(&h1TrailerSetter{r: strings.NewReader("abc"), tr: req.Trailer})
	var out bytes.Buffer
	err := writeRequest(bufio.NewWriter(&out), req, make([]byte, 64))
	var ie *invalidRequestError
	if !errors.As(err, &ie) {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(out.String(), "Injected") {
		t.Errorf("wrote %q", out.String())
	}
}

// h1TrailerSetter sets the trailer value at the end of the body, as the
// server does with the client's trailer.
type h1TrailerSetter struct {
	r  io.Reader
	tr http.Header
}

func (s *h1TrailerSetter) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		s.tr["X-Sum"] = []string{"1\r\nInjected: yes"}
	}
	return n, err
}

func h1SetRawRegistry() filters.Registry {
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
				fx := startProxyReg(t, h1SetRawRegistry(), Options{Insecure: true}, route, lb)
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

// Framing fields are derived from the body whatever their spelling in the
// header map.
func TestWriteRequestDerivesFramingInAnySpelling(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://b/", strings.NewReader("abc"))
	req.Header["transfer-encoding"] = []string{"chunked"}
	req.Header["CONTENT-LENGTH"] = []string{"99"}
	req.Header["host"] = []string{"other"}
	req.Header["trailer"] = []string{"X-A"}
	var out bytes.Buffer
	if err := writeRequest(bufio.NewWriter(&out), req, make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
	want := "POST / HTTP/1.1\r\nHost: b\r\nContent-Length: 3\r\n\r\nabc"
	if out.String() != want {
		t.Errorf("wrote %q, want %q", out.String(), want)
	}
}

func TestWriteRequestBodyLongerThanLength(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://b/", strings.NewReader("abcd"))
	req.ContentLength = 3
	err := writeRequest(bufio.NewWriter(io.Discard), req, make([]byte, 64))
	var be *requestBodyError
	if !errors.As(err, &be) || !errors.Is(err, errBodyTooLong) {
		t.Errorf("err %v", err)
	}
}
