package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
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
			err := WriteRequest(bw, req, make([]byte, 64))
			var ie *InvalidRequestError
			if !errors.As(err, &ie) {
				t.Fatalf("err %v, want an InvalidRequestError", err)
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
			if err := WriteRequest(bufio.NewWriter(&out), req, make([]byte, 64)); err != nil {
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
	err := WriteRequest(bufio.NewWriter(&out), req, make([]byte, 64))
	var ie *InvalidRequestError
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

// Framing fields are derived from the body whatever their spelling in the
// header map.
func TestWriteRequestDerivesFramingInAnySpelling(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://b/", strings.NewReader("abc"))
	req.Header["transfer-encoding"] = []string{"chunked"}
	req.Header["CONTENT-LENGTH"] = []string{"99"}
	req.Header["host"] = []string{"other"}
	req.Header["trailer"] = []string{"X-A"}
	var out bytes.Buffer
	if err := WriteRequest(bufio.NewWriter(&out), req, make([]byte, 64)); err != nil {
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
	err := WriteRequest(bufio.NewWriter(io.Discard), req, make([]byte, 64))
	var be *RequestBodyError
	if !errors.As(err, &be) || !errors.Is(err, errBodyTooLong) {
		t.Errorf("err %v", err)
	}
}

func TestWriteRequestShortBody(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://b/", strings.NewReader("abc"))
	req.ContentLength = 10 // claims more than it has
	err := WriteRequest(bufio.NewWriter(io.Discard), req, make([]byte, 64))
	var be *RequestBodyError
	if !errors.As(err, &be) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err %v", err)
	}
}
