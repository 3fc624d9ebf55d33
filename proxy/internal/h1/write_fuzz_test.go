package h1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// FuzzWriteRequest compares WriteRequest with net/http's client on random
// requests: http.Transport's checks (method, header and trailer fields)
// followed by Request.Write. Both must accept or refuse the same requests,
// and what they write must read back (http.ReadRequest) as the same method,
// request-target, Host, header fields (but the User-Agent, which
// Request.Write adds), framing, body and trailer.
//
// Deliberate differences, each recognised below:
//   - an invalid Host is refused; Request.Write sends an empty Host;
//   - a space in the raw query or opaque is refused; Request.Write sends
//     it, splitting the request line;
//   - a body of unknown length is always sent chunked; Request.Write
//     first reads a byte of GET-like requests' bodies and sends none when
//     it is empty, and sends a CONNECT body unframed. Framing trailer names
//     are then refused when WriteRequest chunks and Request.Write does not;
//   - Host, Content-Length, Transfer-Encoding and Trailer keys in any
//     spelling are derived, not copied; Request.Write copies non-canonical
//     spellings.
func FuzzWriteRequest(f *testing.F) {
	fields := func(kv ...string) []byte {
		var b []byte
		for _, s := range kv {
			b = append(b, byte(len(s)))
			b = append(b, s...)
		}
		return b
	}
	for _, s := range []struct {
		method, host, path, rawPath, query, opaque string
		force                                      bool
		header, trailer                            []byte
		body                                       string
		mode                                       uint8
	}{
		{"GET", "example.org", "/a b", "", "q=1", "", false, fields("X-A", "1", "x-b", " two "), nil, "", 0},
		{"POST", "", "/p", "", "", "", true, fields("Content-Type", "text/plain"), nil, "hello", 2},
		{"PUT", "b:8080", "/p", "/%70", "", "", false, nil, fields("X-Sum", "1"), "chunked body", 3},
		{"GET", "bücher.example", "", "", "", "//other/x", false, fields("X-A", "a\r\nB: c"), nil, "", 1},
		{"CONNECT", "b:443", "", "", "", "", false, nil, nil, "", 0},
		{"GET", "[fe80::1%25en0]:80", "/", "", "a b", "", false, fields("transfer-encoding", "chunked"), nil, "x", 4},
		{"DELETE", "b", "/", "", "", "", false, nil, fields("Content-Length", ""), "", 3},
		{"G T", "b", "/", "", "", "", false, fields("X Y", "z"), nil, "toolong", 5},
	} {
		f.Add(s.method, s.host, s.path, s.rawPath, s.query, s.opaque, s.force, s.header, s.trailer, []byte(s.body), s.mode)
	}
	f.Fuzz(func(t *testing.T, method, host, path, rawPath, query, opaque string, force bool, header, trailer, body []byte, mode uint8) {
		mk := func() *http.Request {
			return fuzzRequest(method, host, path, rawPath, query, opaque, force, header, trailer, body, mode%6)
		}
		ours, theirs := mk(), mk()
		var out bytes.Buffer
		err := WriteRequest(bufio.NewWriter(&out), ours, make([]byte, 64))
		var ref bytes.Buffer
		refErr := netHTTPChecks(theirs)
		if refErr == nil {
			refErr = theirs.Write(&ref)
		}
		switch {
		case err != nil && refErr != nil:
			return
		case err != nil:
			if why := deliberateRefusal(mk(), err); why != "" {
				return
			}
			t.Fatalf("refused what net/http sends (%v):\n%q", err, ref.String())
		case refErr != nil:
			t.Fatalf("sent what net/http refuses (%v):\n%q", refErr, out.String())
		}
		if why := differentOnPurpose(mk()); why != "" {
			checkOwnFraming(t, out.Bytes())
			return
		}
		compareWritten(t, out.Bytes(), ref.Bytes())
	})
}

// fuzzRequest builds a request from the fuzzer's values. header and
// trailer hold fields as length-prefixed name and value strings. mode:
// 0 no body, 1 http.NoBody, 2 known length, 3 unknown length, 4 a length
// one more than the body, 5 one less.
func fuzzRequest(method, host, path, rawPath, query, opaque string, force bool, header, trailer, body []byte, mode uint8) *http.Request {
	r := &http.Request{
		Method: method,
		URL: &url.URL{Scheme: "http", Host: "backend:80", Path: path, RawPath: rawPath,
			RawQuery: query, Opaque: opaque, ForceQuery: force},
		Host:       host,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1,
		Header: decodeFields(header),
	}
	if tr := decodeFields(trailer); len(tr) > 0 {
		r.Trailer = tr
	}
	rc := io.NopCloser(bytes.NewReader(body))
	switch mode {
	case 1:
		r.Body = http.NoBody
	case 2:
		r.Body, r.ContentLength = rc, int64(len(body))
	case 3:
		r.Body, r.ContentLength = rc, -1
	case 4:
		r.Body, r.ContentLength = rc, int64(len(body))+1
	case 5:
		r.Body, r.ContentLength = rc, int64(len(body))-1
	}
	return r
}

func decodeFields(b []byte) http.Header {
	h := http.Header{}
	next := func() (string, bool) {
		if len(b) == 0 {
			return "", false
		}
		n := min(int(b[0]), len(b)-1)
		s := string(b[1 : 1+n])
		b = b[1+n:]
		return s, true
	}
	for {
		k, ok := next()
		if !ok {
			return h
		}
		v, _ := next()
		h[k] = append(h[k], v)
	}
}

// netHTTPChecks is what http.Transport checks before Request.write: the
// method (net/http's own validMethod, through NewRequest) and the header
// and trailer fields.
func netHTTPChecks(r *http.Request) error {
	if r.Method != "" {
		if _, err := http.NewRequest(r.Method, "http://x/", nil); err != nil {
			return err
		}
	}
	for _, h := range []http.Header{r.Header, r.Trailer} {
		for k, vs := range h {
			if !httpguts.ValidHeaderFieldName(k) {
				return fmt.Errorf("invalid field name %q", k)
			}
			for _, v := range vs {
				if !httpguts.ValidHeaderFieldValue(v) {
					return fmt.Errorf("invalid field value for %q", k)
				}
			}
		}
	}
	return nil
}

// deliberateRefusal says why WriteRequest refuses a request that net/http
// sends, when that is on purpose, else "".
func deliberateRefusal(r *http.Request, err error) string {
	var ie *InvalidRequestError
	var be *RequestBodyError
	switch {
	case errors.As(err, &ie):
	case errors.As(err, &be):
		return "" // the body is net/http's to refuse too
	default:
		return ""
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if h, perr := httpguts.PunycodeHostPort(host); perr == nil && !httpguts.ValidHostHeader(h) {
		return "invalid Host"
	}
	connect := r.Method == http.MethodConnect && r.URL.Path == ""
	if strings.Contains(r.URL.Opaque, " ") || (!connect && strings.Contains(r.URL.RawQuery, " ")) {
		return "space in the request-target"
	}
	if len(r.Trailer) > 0 && (usuallyBodiless(r.Method) || r.Method == http.MethodConnect) && r.ContentLength <= 0 {
		return "framing trailer name on a body net/http does not chunk"
	}
	return ""
}

func usuallyBodiless(m string) bool {
	switch m {
	case "GET", "HEAD", "DELETE", "OPTIONS", "PROPFIND", "SEARCH", "":
		return true
	}
	return false
}

// differentOnPurpose says why both outputs of an accepted request are not
// expected to read back alike, else "".
func differentOnPurpose(r *http.Request) string {
	for k := range r.Header {
		if derivedField(k) && http.CanonicalHeaderKey(k) != k {
			return "non-canonical spelling of a derived field"
		}
	}
	if !sendsChunked(r) {
		return ""
	}
	if r.Method == http.MethodConnect {
		return "CONNECT body of unknown length: chunked, not unframed"
	}
	if usuallyBodiless(r.Method) {
		return "body of unknown length of a GET-like request: chunked even when empty"
	}
	return ""
}

// checkOwnFraming reads back what WriteRequest wrote when net/http's
// output is not comparable: it must still be one well-framed request.
func checkOwnFraming(t *testing.T, out []byte) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(out))
	got, err := http.ReadRequest(br)
	if err != nil {
		return // as unreadable as net/http's (a weird target, say)
	}
	if _, err := io.ReadAll(got.Body); err != nil {
		t.Fatalf("body: %v in %q", err, out)
	}
	if br.Buffered() > 0 {
		t.Fatalf("bytes after the request: %q", out)
	}
}

// compareWritten reads back both outputs and compares them.
func compareWritten(t *testing.T, out, ref []byte) {
	t.Helper()
	ours, oerr := http.ReadRequest(bufio.NewReader(bytes.NewReader(out)))
	theirs, rerr := http.ReadRequest(bufio.NewReader(bytes.NewReader(ref)))
	if (oerr == nil) != (rerr == nil) {
		t.Fatalf("read back: %v / net/http's: %v\n%q\n%q", oerr, rerr, out, ref)
	}
	if oerr != nil {
		return
	}
	ob, oerr := io.ReadAll(ours.Body)
	rb, rerr := io.ReadAll(theirs.Body)
	if (oerr == nil) != (rerr == nil) || !bytes.Equal(ob, rb) {
		t.Fatalf("body %q (%v), net/http's %q (%v)\n%q\n%q", ob, oerr, rb, rerr, out, ref)
	}
	delete(ours.Header, "User-Agent")
	delete(theirs.Header, "User-Agent")
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"method", ours.Method, theirs.Method},
		{"request-target", ours.RequestURI, theirs.RequestURI},
		{"host", ours.Host, theirs.Host},
		{"header", ours.Header, theirs.Header},
		{"length", ours.ContentLength, theirs.ContentLength},
		{"transfer encoding", ours.TransferEncoding, theirs.TransferEncoding},
		{"trailer", ours.Trailer, theirs.Trailer},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Fatalf("%s: %#v, net/http's %#v\n%q\n%q", c.what, c.got, c.want, out, ref)
		}
	}
}
