package h1server

import (
	"bufio"
	"bytes"
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// netHTTPRequest reads the head at the start of b as net/http's server
// does before its handler runs; nil where the server answers an error.
func netHTTPRequest(b []byte) *http.Request {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		return nil
	}
	// The server's own checks after http.ReadRequest, which has
	// dropped the Host field: read the fields again for it.
	if req.ProtoMajor != 1 {
		return nil
	}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	if _, err := tp.ReadLine(); err != nil {
		return nil
	}
	fields, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil
	}
	hosts, ok := fields["Host"]
	if req.ProtoAtLeast(1, 1) && (!ok || len(hosts) == 0) && req.Method != "CONNECT" {
		return nil
	}
	if len(hosts) == 1 && !httpguts.ValidHostHeader(hosts[0]) {
		return nil
	}
	for k, vv := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return nil
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil
			}
		}
	}
	delete(req.Header, "Host")
	return req
}

// sameRequest compares what a handler can see of two parsed requests.
func sameRequest(t *testing.T, head []byte, got, want *http.Request) {
	t.Helper()
	type view struct {
		Method, RequestURI, Proto, Host string
		ProtoMajor, ProtoMinor          int
		URL                             any
		Header                          http.Header
		ContentLength                   int64
		Close                           bool
		TransferEncoding                []string
		Trailer                         http.Header
	}
	v := func(r *http.Request) view {
		return view{r.Method, r.RequestURI, r.Proto, r.Host, r.ProtoMajor, r.ProtoMinor, *r.URL,
			r.Header, r.ContentLength, r.Close, r.TransferEncoding, r.Trailer}
	}
	if g, w := v(got), v(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("head %q:\nparsed   %+v\nnet/http %+v", head, g, w)
	}
}

// checkHead is the differential property: a head parseHead takes is one
// net/http's server takes too, parsed the same way.
func checkHead(t *testing.T, b []byte) (taken bool) {
	t.Helper()
	n := headEnd(b)
	if n < 0 {
		return false
	}
	var req http.Request
	if !parseHead(b[:n], &req) {
		return false
	}
	want := netHTTPRequest(b)
	if want == nil {
		t.Fatalf("head %q: parsed, but net/http's server refuses it", b[:n])
	}
	sameRequest(t, b[:n], &req, want)
	return true
}

var headCases = []struct {
	head  string
	taken bool
}{
	{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
	{"GET / HTTP/1.1\nHost: a\n\n", true},
	{"GET /p?q=1&r=%20 HTTP/1.1\r\nHost: a.example:8080\r\nUser-Agent: wrk\r\naccept: */*\r\nX-CUSTOM-thing:  v1 \t\r\nx-custom-thing: v2\r\n\r\n", true},
	{"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", true},
	{"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", true},
	{"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true},
	{"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", true},
	{"GET / HTTP/1.1\r\nHost: a\r\nPragma: no-cache\r\n\r\n", true},
	{"GET / HTTP/1.1\r\nHost: a\r\nPragma: no-cache\r\nCache-Control: max-age=0\r\n\r\n", true},
	{"GET / HTTP/1.1\r\nHost: a\r\nEmpty:\r\n\r\n", true},
	{"GET / HTTP/1.1\r\nHost: a\r\nObs: caf\xe9\r\n\r\n", true},
	{"GET /a%2Fb HTTP/1.1\r\nHost: a\r\n\r\n", true},
	{"PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n", true},

	// Left to net/http.
	{"GET / HTTP/1.0\r\nHost: a\r\n\r\n", false},
	{"GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n", false},
	{"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", false},
	{"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", false},
	{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false},
	{"GET / HTTP/1.1\r\n\r\n", false},
	{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", false},
	{"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", false},
	{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", false},
	{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", false},
	{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", false},
	{"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", false},
	{"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", false},
	{"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n", false},
	{"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", false},
	{"GET / HTTP/1.1\r\nHost : a\r\n\r\n", false},
	{"GET / HTTP/1.1\r\nHost: a\r\nBad\x01: x\r\n\r\n", false},
	{"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", false},
	{"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", false},
	{"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", false},
	{"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", false},
	{"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", false},
}

func TestParseHead(t *testing.T) {
	for _, tc := range headCases {
		if got := checkHead(t, []byte(tc.head)); got != tc.taken {
			t.Errorf("head %q: taken %v, want %v", tc.head, got, tc.taken)
		}
	}
}

func TestParseHeadCanonicalNames(t *testing.T) {
	var req http.Request
	head := "GET / HTTP/1.1\r\nhost: a\r\nx-lower-case: 1\r\nX-Already-Canonical: 2\r\nUSER-AGENT: 3\r\n" +
		"X-" + strings.Repeat("a", 80) + ": 4\r\n\r\n"
	if !parseHead([]byte(head), &req) {
		t.Fatal("not parsed")
	}
	for _, k := range []string{"X-Lower-Case", "X-Already-Canonical", "User-Agent", "X-A" + strings.Repeat("a", 79)} {
		if len(req.Header[k]) != 1 {
			t.Errorf("no %s in %v", k, req.Header)
		}
	}
}

func TestHeadEnd(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT", 27},
		{"GET / HTTP/1.1\nHost: a\n\nNEXT", 24},
		{"GET / HTTP/1.1\r\nHost: a\r\n", -1},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r", -1},
		{"\r\n", -1},
	} {
		if got := headEnd([]byte(tc.in)); got != tc.want {
			t.Errorf("headEnd(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func FuzzParseHead(f *testing.F) {
	for _, tc := range headCases {
		f.Add([]byte(tc.head))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkHead(t, b)
	})
}
