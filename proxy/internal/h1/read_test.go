package h1

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestReadResponseFastMatchesNetHTTP parses the same bytes with the fast
// parser and with http.ReadResponse and requires identical results, or
// that the fast parser declines without consuming anything.
func TestReadResponseFastMatchesNetHTTP(t *testing.T) {
	const next = "NEXT"
	for _, tc := range []struct {
		name, method, raw string
		slow              bool
	}{
		{"content length", "GET", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", false},
		{"custom reason", "GET", "HTTP/1.1 200 Fine\r\nContent-Length: 0\r\n\r\n", false},
		{"no reason", "GET", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", false},
		{"lower-case keys and repeats", "GET", "HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nSET-COOKIE: b=2\r\nx-custom-thing:  v  \r\ncontent-length: 2\r\n\r\nok", false},
		{"chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", false},
		{"chunked with trailers", "GET", "HTTP/1.1 200 OK\r\nTrailer: X-Sum, x-other\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Sum: 42\r\nX-Other: o\r\n\r\n", false},
		{"chunked and length", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n2\r\nhi\r\n0\r\n\r\n", false},
		{"head", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", false},
		{"no content", "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", false},
		{"not modified", "GET", "HTTP/1.1 304 Not Modified\r\nEtag: \"x\"\r\n\r\n", false},
		{"connection close", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", false},
		{"http/1.0 keep-alive", "GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", false},
		{"http/1.0", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", false},
		{"until close", "GET", "HTTP/1.1 200 OK\r\n\r\nstream", true},
		{"interim", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
		{"folded", "GET", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", true},
		{"two lengths", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", true},
		{"gzip transfer coding", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", true},
		{"bare LF", "GET", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://x/", nil)
			in := tc.raw + next
			fast, err := readResponseFast(bufio.NewReader(strings.NewReader(in)), req)
			if tc.slow {
				if err != errSlowPath {
					t.Fatalf("want slow path, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("fast: %v", err)
			}
			fbr := bufio.NewReader(strings.NewReader(in))
			fast, _ = readResponseFast(fbr, req)
			want, err := http.ReadResponse(bufio.NewReader(strings.NewReader(in)), req)
			if err != nil {
				t.Fatalf("net/http: %v", err)
			}
			wbr := bufio.NewReader(strings.NewReader(in))
			want, _ = http.ReadResponse(wbr, req)
			got := &fast.rsp
			asNetHTTP(got)
			var body io.Reader = got.Body
			if hb, ok := got.Body.(*h1body); ok {
				body = hb.rc // no connection behind it here
			}
			fbody, ferr := io.ReadAll(body)
			wbody, werr := io.ReadAll(want.Body)
			if string(fbody) != string(wbody) || (ferr == nil) != (werr == nil) {
				t.Errorf("body %q (%v), want %q (%v)", fbody, ferr, wbody, werr)
			}
			want.Body.Close()
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
				{"close", got.Close, want.Close},
				{"transfer encoding", got.TransferEncoding, want.TransferEncoding},
				{"trailer", got.Trailer, want.Trailer},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s: %#v, want %#v", c.what, c.got, c.want)
				}
			}
			if tc.method != "HEAD" && got.StatusCode != 304 && got.StatusCode != 204 && !got.Close {
				frest, _ := io.ReadAll(fbr)
				wrest, _ := io.ReadAll(wbr)
				if string(frest) != string(wrest) {
					t.Errorf("left %q in the reader, net/http left %q", frest, wrest)
				}
			}
		})
	}
}

func TestReadResponseFastAllocations(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nDate: Mon, 23 Nov 2026 02:00:00 GMT\r\n\r\nhello"
	req, _ := http.NewRequest("GET", "http://x/", nil)
	sr := strings.NewReader(raw)
	br := bufio.NewReader(sr)
	allocs := testing.AllocsPerRun(100, func() {
		sr.Reset(raw)
		br.Reset(sr)
		if _, err := readResponseFast(br, req); err != nil {
			t.Fatal(err)
		}
	})
	// Response and body wrapper, header map (two: the map and its first
	// group), value slab, value string. net/http needs 9.
	if allocs > 5 {
		t.Errorf("%v allocations per response", allocs)
	}
}

// onceReader delivers everything in its first Read and then fails, so a
// parser that asks for more than what already arrived is caught.
type onceReader struct {
	data string
	done bool
}

var errWouldBlock = errors.New("would block")

func (r *onceReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, errWouldBlock
	}
	r.done = true
	return copy(p, r.data), nil
}

func TestPeekHeaderBlockUsesWhatArrived(t *testing.T) {
	interim := "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
	final := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	br := bufio.NewReader(&onceReader{data: interim + final})
	block, err := peekHeaderBlock(br)
	if err != nil || string(block) != interim {
		t.Fatalf("first block %q, %v", block, err)
	}
	br.Discard(len(block))
	block, err = peekHeaderBlock(br)
	if err != nil || string(block) != final {
		t.Fatalf("second block %q, %v", block, err)
	}
}

// asNetHTTP drops the "Connection: close" header that the fast parser
// keeps and http.ReadResponse removes.
func asNetHTTP(rsp *http.Response) {
	if rsp.Close && rsp.ProtoMinor == 1 {
		delete(rsp.Header, "Connection")
	}
}

func TestCheckHeaderBlock(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		ok        bool
		cl, te    bool
	}{
		{"plain", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok", true, true, false},
		{"bare LF", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", true, false, true},
		{"both", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nTRANSFER-ENCODING: chunked\r\n\r\n", true, true, true},
		{"obs-text and tab", "HTTP/1.1 200 OK\r\nX-A:\tcaf\xc3\xa9\t\r\n\r\n", true, false, false},
		{"folded value", "HTTP/1.1 200 OK\r\nX-A: a\r\n  b\r\n\tc\r\n\r\n", true, false, false},
		{"empty value", "HTTP/1.1 200 OK\r\nX-A:\r\n\r\n", true, false, false},
		{"body not read", "HTTP/1.1 200 OK\r\n\r\nX Y: z\r\n\r\n", true, false, false},
		{"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n", false, false, false},
		{"tab before colon", "HTTP/1.1 200 OK\r\nContent-Length\t: 2\r\n\r\n", false, false, false},
		{"space in name", "HTTP/1.1 200 OK\r\nX Y: 2\r\n\r\n", false, false, false},
		{"empty name", "HTTP/1.1 200 OK\r\n: 2\r\n\r\n", false, false, false},
		{"no colon", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", false, false, false},
		{"bad name byte", "HTTP/1.1 200 OK\r\nX\"Y: 2\r\n\r\n", false, false, false},
		{"NUL in value", "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\n\r\n", false, false, false},
		{"bare CR in value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", false, false, false},
		{"CR CR LF", "HTTP/1.1 200 OK\r\nX-A: a\r\r\n\r\n", false, false, false},
		{"DEL in value", "HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n", false, false, false},
		{"control character in a fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\x01\r\n\r\n", false, false, false},
		{"fold first", "HTTP/1.1 200 OK\r\n X-A: a\r\n\r\n", false, false, false},
		{"folded Content-Length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n 2\r\n\r\n", false, false, false},
		{"folded Transfer-Encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n chunked\r\n\r\n", false, false, false},
	} {
		f, err := checkHeaderBlock([]byte(tc.raw))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if tc.ok && (f.contentLength != tc.cl || f.transferEncoding != tc.te) {
			t.Errorf("%s: framing %+v", tc.name, f)
		}
	}
}

func TestRestoreConnection(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      []string
	}{
		{"none", "HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n", nil},
		{"lines joined", "HTTP/1.1 200 OK\r\nconnection: close\r\nX-A: 1\r\nCONNECTION:  X-A \r\n\r\n", []string{"close", "X-A"}},
		{"bare LF", "HTTP/1.1 200 OK\nConnection: close, X-A\n\n", []string{"close, X-A"}},
		{"folded", "HTTP/1.1 200 OK\r\nConnection: close,\r\n X-A\r\n\r\n", []string{"close, X-A"}},
		{"body not read", "HTTP/1.1 200 OK\r\n\r\nConnection: X-A\r\n\r\n", nil},
		{"status line not read", "Connection: X-A\r\n\r\n", nil},
	} {
		h := http.Header{}
		RestoreConnection(h, []byte(tc.raw))
		if got := h["Connection"]; strings.Join(got, "|") != strings.Join(tc.want, "|") || (got == nil) != (tc.want == nil) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// readH1 reads a response as the h1 client does, without a connection.
func readH1(t *testing.T, method, raw string) (*http.Response, *h1body, error) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://x/", nil)
	lr := NewHeaderLimitReader(strings.NewReader(raw))
	return readResponse(bufio.NewReader(lr), lr, req)
}

func TestReadResponseStrict(t *testing.T) {
	for _, tc := range []struct {
		name, method, raw string
		bad               bool
		keep              bool
	}{
		{"fast", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, true},
		{"slow", "GET", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false, true},
		{"space before colon", "GET", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok", true, false},
		{"space before colon, bare LF", "GET", "HTTP/1.1 200 OK\nContent-Length : 2\n\nok", true, false},
		{"space in an interim response", "GET", "HTTP/1.1 103 Early Hints\r\nLink : </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true, false},
		{"obs-fold", "GET", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok", false, true},
		{"folded length", "GET", "HTTP/1.1 200 OK\r\nContent-Length:\r\n 2\r\n\r\nok", true, false},
		{"status below 100", "GET", "HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok", true, false},
		{"status 000", "GET", "HTTP/1.1 000 Odd\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true, false},
		{"unasked switch", "GET", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", true, false},
		{"length and chunked, fast", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false, false},
		{"length and chunked, slow", "GET", "HTTP/1.1 200 OK\nContent-Length: 5\nTransfer-Encoding: chunked\n\n2\r\nok\r\n0\r\n\r\n", false, false},
		{"chunked in HTTP/1.0", "GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\nok", false, false},
		{"connection close", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false, false},
		{"until close", "GET", "HTTP/1.1 200 OK\r\n\r\nok", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rsp, b, err := readH1(t, tc.method, tc.raw)
			var bad *BadResponseError
			if tc.bad {
				if !errors.As(err, &bad) {
					t.Fatalf("err %v, want a BadResponseError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(b.rc)
			if err != nil || string(body) != "ok" {
				t.Errorf("body %q, %v", body, err)
			}
			if b.keep != tc.keep {
				t.Errorf("keep %v, want %v", b.keep, tc.keep)
			}
			if _, ok := rsp.Header["Content-Length"]; ok && len(rsp.TransferEncoding) > 0 {
				t.Error("Content-Length kept next to Transfer-Encoding")
			}
		})
	}
}

// TestValidValueWords checks the word-at-a-time validValue against the
// byte-wise rule for every byte at every position of a word and of the
// tail.
func TestValidValueWords(t *testing.T) {
	for n := 1; n <= 17; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				b[pos] = byte(c)
				want := (c >= ' ' || c == '\t') && c != 0x7f
				if got := validValue(string(b)); got != want {
					t.Fatalf("%q: %v, want %v", b, got, want)
				}
				for i := range b { // obs-text around it
					if i != pos {
						b[i] = 0xff
					}
				}
				if got := validValue(string(b)); got != want {
					t.Fatalf("%q: %v, want %v", b, got, want)
				}
			}
		}
	}
}
