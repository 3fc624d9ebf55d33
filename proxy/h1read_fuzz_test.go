package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
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
