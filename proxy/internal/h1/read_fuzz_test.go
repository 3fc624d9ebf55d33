package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// FuzzReadResponseFast: whatever the fast parser accepts, net/http must
// accept too, with the same status, headers, framing and body.
func FuzzReadResponseFast(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-A\r\n\r\n2\r\nhi\r\n0\r\nX-A: 1\r\n\r\n",
		"HTTP/1.0 404 Not Found\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 301 Moved\r\nLocation: /x\r\ncontent-length: 0\r\nSet-Cookie: a\r\nset-cookie: b\r\n\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		req, _ := http.NewRequest(method, "http://x/", nil)
		fr, err := readResponseFast(bufio.NewReader(bytes.NewReader(raw)), req)
		if err != nil {
			return
		}
		want, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), req)
		if err != nil {
			t.Fatalf("fast parser accepted what net/http rejects (%v): %q", err, raw)
		}
		got := &fr.rsp
		asNetHTTP(got)
		for _, c := range []struct {
			what      string
			got, want any
		}{
			{"status", got.Status, want.Status},
			{"code", got.StatusCode, want.StatusCode},
			{"minor", got.ProtoMinor, want.ProtoMinor},
			{"header", got.Header, want.Header},
			{"length", got.ContentLength, want.ContentLength},
			{"close", got.Close, want.Close},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Fatalf("%s: %#v, want %#v for %q", c.what, c.got, c.want, raw)
			}
		}
		var body io.Reader = got.Body
		if hb, ok := got.Body.(*h1body); ok {
			body = hb.rc
		}
		fb, ferr := io.ReadAll(body)
		wb, werr := io.ReadAll(want.Body)
		if (ferr == nil) != (werr == nil) || (ferr == nil && string(fb) != string(wb)) {
			t.Fatalf("body %q (%v), want %q (%v) for %q", fb, ferr, wb, werr, raw)
		}
		if ferr == nil && !reflect.DeepEqual(got.Trailer, want.Trailer) {
			t.Fatalf("trailer %v, want %v for %q", got.Trailer, want.Trailer, strings.ToValidUTF8(string(raw), "?"))
		}
	})
}

// FuzzReadResponse compares the response reader as the h1 client uses it
// (readResponse: fast parser, else http.ReadResponse on a recorded head
// that is then checked strictly; interim responses skipped) with
// http.ReadResponse, called again for each interim 1xx response. Both
// must accept or refuse the same answers, and agree on status, header
// fields, framing (ContentLength, chunked, Close), body, trailer and on
// what follows the response (the start of the next one).
//
// Deliberate differences, each recognised below:
//   - a field name that is not a token, as "Content-Length : 2", is
//     refused (RFC 9112 §5.1); net/http keeps it under a name with spaces;
//   - obsolete line folding is refused on Content-Length and
//     Transfer-Encoding (checkHeaderBlock);
//   - a status below 100 is refused (RFC 9110 §15);
//   - a 101 is refused: the client never asks for a protocol switch;
//   - the Connection field stays in the header when it lists "close"
//     (the proxy needs the other names it lists), where net/http drops it
//     from HTTP/1.1 responses;
//   - the connection is not reused after Content-Length with
//     Transfer-Encoding, or Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1,
//     §6.3), which net/http does not mark as Close.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-A\r\n\r\n2\r\nhi\r\n0\r\nX-A: 1\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\nContent-Length: 2\n\nokHTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length:\r\n 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nConnection: close, X-B\r\nX-B: 1\r\n\r\nuntil close",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		req, _ := http.NewRequest(method, "http://x/", nil)
		lr := NewHeaderLimitReader(bytes.NewReader(raw))
		br := bufio.NewReader(lr)
		got, b, err := readResponse(br, lr, req)
		ref := readResponseRef(raw, req)
		switch {
		case err != nil && ref.err != nil:
			return
		case ref.err != nil:
			t.Fatalf("accepted what net/http refuses (%v):\n%q", ref.err, raw)
		}
		why := ref.refuseOnPurpose()
		var bad *BadResponseError
		switch {
		case err != nil && why == "":
			t.Fatalf("refused what net/http accepts: %v\n%q", err, raw)
		case err != nil && !errors.As(err, &bad):
			t.Fatalf("refused (%s) with %v, not a BadResponseError\n%q", why, err, raw)
		case err != nil:
			return
		case why != "":
			t.Fatalf("accepted an answer with a %s:\n%q", why, raw)
		}
		compareResponses(t, raw, got, b, br, ref)
	})
}

// refResponse is net/http's reading of a raw answer.
type refResponse struct {
	rsp   *http.Response
	br    *bufio.Reader
	heads []http.Header // every head read, interim ones included
	raws  [][]byte      // each head's raw bytes and what follows
	final []byte        // the raw final head and what follows
	err   error
}

func readResponseRef(raw []byte, req *http.Request) *refResponse {
	r := &refResponse{}
	src := bytes.NewReader(raw)
	r.br = bufio.NewReader(src)
	for {
		off := len(raw) - src.Len() - r.br.Buffered()
		rsp, err := http.ReadResponse(r.br, req)
		if err != nil {
			r.err = err
			return r
		}
		r.heads = append(r.heads, rsp.Header.Clone())
		r.raws = append(r.raws, raw[off:])
		r.rsp, r.final = rsp, raw[off:]
		if rsp.StatusCode < 100 || rsp.StatusCode >= 200 || rsp.StatusCode == 101 {
			return r
		}
	}
}

// refuseOnPurpose tells, from net/http's reading and an independent look
// at the raw heads, why readResponse must refuse an answer that net/http
// accepts, else "".
func (r *refResponse) refuseOnPurpose() string {
	switch code := r.rsp.StatusCode; {
	case code < 100:
		return "status below 100"
	case code == 101:
		return "unasked 101"
	}
	for _, h := range r.heads {
		for k := range h {
			if !httpguts.ValidHeaderFieldName(k) {
				return "field name that is not a token"
			}
		}
	}
	for _, raw := range r.raws {
		if foldsFraming(raw) {
			return "folded framing field"
		}
	}
	return ""
}

func foldsFraming(b []byte) bool {
	lines := strings.Split(string(b), "\n")
	for i := 1; i+1 < len(lines); i++ {
		l := strings.TrimSuffix(lines[i], "\r")
		if l == "" {
			return false
		}
		next := lines[i+1]
		name, _, _ := strings.Cut(l, ":")
		if (next != "" && (next[0] == ' ' || next[0] == '\t')) &&
			(strings.EqualFold(name, "Content-Length") || strings.EqualFold(name, "Transfer-Encoding")) {
			return true
		}
	}
	return false
}

func compareResponses(t *testing.T, raw []byte, got *http.Response, b *h1body, br *bufio.Reader, ref *refResponse) {
	t.Helper()
	want := ref.rsp
	// net/http drops a Connection field that lists "close", but in
	// HTTP/1.0 and before (shouldClose).
	if httpguts.HeaderValuesContainsToken(got.Header["Connection"], "close") &&
		(got.ProtoMajor > 1 || (got.ProtoMajor == 1 && got.ProtoMinor > 0)) {
		delete(got.Header, "Connection")
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"status", got.Status, want.Status},
		{"code", got.StatusCode, want.StatusCode},
		{"proto", got.Proto, want.Proto},
		{"minor", got.ProtoMinor, want.ProtoMinor},
		{"header", got.Header, want.Header},
		{"length", got.ContentLength, want.ContentLength},
		{"transfer encoding", got.TransferEncoding, want.TransferEncoding},
		{"close", got.Close, want.Close},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Fatalf("%s: %#v, net/http's %#v for %q", c.what, c.got, c.want, raw)
		}
	}
	doubt := framingInDoubt(ref.final)
	if b.keep != (!want.Close && !doubt) {
		t.Fatalf("keep %v with Close %v and framing in doubt %v for %q", b.keep, want.Close, doubt, raw)
	}
	var body io.Reader = http.NoBody
	if got.Body != http.NoBody {
		body = b.rc // no connection behind it
	}
	gb, gerr := io.ReadAll(body)
	wb, werr := io.ReadAll(want.Body)
	if (gerr == nil) != (werr == nil) || (gerr == nil && !bytes.Equal(gb, wb)) {
		t.Fatalf("body %q (%v), net/http's %q (%v) for %q", gb, gerr, wb, werr, raw)
	}
	if gerr != nil {
		return
	}
	if !reflect.DeepEqual(got.Trailer, want.Trailer) {
		t.Fatalf("trailer %#v, net/http's %#v for %q", got.Trailer, want.Trailer, raw)
	}
	if want.Close {
		return // the rest is not read as another response
	}
	grest, _ := io.ReadAll(br)
	wrest, _ := io.ReadAll(ref.br)
	if !bytes.Equal(grest, wrest) {
		t.Fatalf("left %q, net/http left %q for %q", grest, wrest, raw)
	}
}

// framingInDoubt scans the final head for Transfer-Encoding next to
// Content-Length, or in an HTTP/1.0 response.
func framingInDoubt(head []byte) bool {
	lines := strings.Split(string(head), "\n")
	cl, te := false, false
	for _, l := range lines[1:] {
		l = strings.TrimSuffix(l, "\r")
		if l == "" {
			break
		}
		name, _, _ := strings.Cut(l, ":")
		cl = cl || strings.EqualFold(name, "Content-Length")
		te = te || strings.EqualFold(name, "Transfer-Encoding")
	}
	return te && (cl || strings.HasPrefix(lines[0], "HTTP/1.0 "))
}
