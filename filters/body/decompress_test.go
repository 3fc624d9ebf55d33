package body

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/zstd"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// encode applies the codings in order.
func encode(t testing.TB, data []byte, codings ...string) []byte {
	t.Helper()
	for _, c := range codings {
		var b bytes.Buffer
		var w io.WriteCloser
		var err error
		switch c {
		case "gzip":
			w = gzip.NewWriter(&b)
		case "deflate":
			w, err = zlib.NewWriterLevel(&b, zlib.BestSpeed)
		case "raw-deflate":
			w, err = flate.NewWriter(&b, flate.BestSpeed)
		case "zstd":
			w, err = zstd.NewWriter(&b)
		default:
			w, err = encoder(&b, c)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		data = b.Bytes()
	}
	return data
}

func runDecompress(t *testing.T, method string, rsp *http.Response) *filtertest.Context {
	t.Helper()
	f := filtertest.Create(t, spec(t, "decompress"))
	ctx := filtertest.NewContext(httptest.NewRequest(method, "/", nil))
	f.Request(ctx)
	ctx.FResponse = rsp
	f.Response(ctx)
	return ctx
}

func TestDecompress(t *testing.T) {
	text := []byte(strings.Repeat("Hello, decompressed world! ", 1000))
	type tc struct {
		header  string   // Content-Encoding
		codings []string // how the body was made
	}
	cases := []tc{
		{"gzip", []string{"gzip"}},
		{"x-gzip", []string{"gzip"}},
		{"GZip", []string{"gzip"}},
		{"deflate", []string{"deflate"}},
		{"deflate", []string{"raw-deflate"}},
		{"zstd", []string{"zstd"}},
		{"deflate, gzip", []string{"deflate", "gzip"}},
		{"gzip,zstd,gzip", []string{"gzip", "zstd", "gzip"}},
		{"identity, gzip", []string{"gzip"}},
	}
	if haveBrotli {
		cases = append(cases, tc{"br", []string{"br"}}, tc{"gzip, br", []string{"gzip", "br"}})
	}
	for _, c := range cases {
		enc := encode(t, text, c.codings...)
		for _, sizes := range [][]int{{1 << 20}, {1, 7, 100}} {
			rsp := &http.Response{StatusCode: 200, ContentLength: int64(len(enc)),
				Header: http.Header{
					"Content-Encoding": {c.header},
					"Content-Length":   {"123"},
					"Vary":             {"Origin, Accept-Encoding", "accept-encoding"},
					"Etag":             {`"abc"`},
					"Content-Type":     {"text/plain"},
				},
				Body: io.NopCloser(&chunked{b: enc, sizes: sizes})}
			ctx := runDecompress(t, "GET", rsp)
			got := filtertest.Body(t, ctx.FResponse)
			if got != string(text) {
				t.Errorf("%q: decoded %d bytes, not the text", c.header, len(got))
			}
			h := ctx.FResponse.Header
			want := http.Header{"Vary": {"Origin"}, "Etag": {`W/"abc"`}, "Content-Type": {"text/plain"}}
			if !equalHeader(h, want) || ctx.FResponse.ContentLength != -1 {
				t.Errorf("%q: headers %v, length %d", c.header, h, ctx.FResponse.ContentLength)
			}
			if len(ctx.FStateBag) != 0 {
				t.Errorf("%q: state bag %v", c.header, ctx.FStateBag)
			}
		}
	}
}

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\x00") != strings.Join(b[k], "\x00") {
			return false
		}
	}
	return true
}

func TestDecompressLeftAlone(t *testing.T) {
	unsupported := []string{"compress", "gzip, compress", "unknown"}
	if !haveBrotli {
		unsupported = append(unsupported, "br", "gzip, br")
	}
	for _, enc := range unsupported {
		h := http.Header{"Content-Encoding": {enc}, "Content-Length": {"3"}, "Vary": {"Accept-Encoding"}}
		ctx := runDecompress(t, "GET", &http.Response{StatusCode: 200, ContentLength: 3, Header: h.Clone(),
			Body: io.NopCloser(strings.NewReader("abc"))})
		if got := filtertest.Body(t, ctx.FResponse); got != "abc" || !equalHeader(ctx.FResponse.Header, h) ||
			ctx.FResponse.ContentLength != 3 {
			t.Errorf("%q: changed: %q %v", enc, got, ctx.FResponse.Header)
		}
		if ctx.FStateBag[DecompressionNotPossible] != true {
			t.Errorf("%q: state bag %v", enc, ctx.FStateBag)
		}
	}

	// not encoded: untouched, nothing in the state bag
	h := http.Header{"Content-Length": {"3"}, "Vary": {"Accept-Encoding"}, "Etag": {`"x"`}}
	ctx := runDecompress(t, "GET", &http.Response{StatusCode: 200, ContentLength: 3, Header: h.Clone(),
		Body: io.NopCloser(strings.NewReader("abc"))})
	if got := filtertest.Body(t, ctx.FResponse); got != "abc" || !equalHeader(ctx.FResponse.Header, h) || len(ctx.FStateBag) != 0 {
		t.Errorf("plain: %q %v %v", got, ctx.FResponse.Header, ctx.FStateBag)
	}

	// identity only: nothing to decode, the header goes
	ctx = runDecompress(t, "GET", &http.Response{StatusCode: 200, ContentLength: 3,
		Header: http.Header{"Content-Encoding": {"identity"}}, Body: io.NopCloser(strings.NewReader("abc"))})
	if got := filtertest.Body(t, ctx.FResponse); got != "abc" || len(ctx.FResponse.Header) != 0 {
		t.Errorf("identity: %q %v", got, ctx.FResponse.Header)
	}

	// no response: no panic
	f := filtertest.Create(t, spec(t, "decompress"))
	f.Response(filtertest.NewContext(httptest.NewRequest("GET", "/", nil)))
}

func TestDecompressBodiless(t *testing.T) {
	// a HEAD answer describes the GET answer, which would be decoded
	for _, tc := range []struct {
		method string
		status int
	}{{"HEAD", 200}, {"GET", 304}, {"GET", 204}} {
		ctx := runDecompress(t, tc.method, &http.Response{StatusCode: tc.status, ContentLength: 10,
			Header: http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"10"}}, Body: http.NoBody})
		if ctx.FResponse.Body != http.NoBody || len(ctx.FResponse.Header) != 0 {
			t.Errorf("%s %d: %T %v", tc.method, tc.status, ctx.FResponse.Body, ctx.FResponse.Header)
		}
	}
}

func TestDecompressBroken(t *testing.T) {
	good := encode(t, []byte(strings.Repeat("x", 10000)), "gzip")
	for _, tc := range []struct {
		name, enc string
		body      []byte
		want      string // what is read before the error
		ok        bool
	}{
		{"empty gzip", "gzip", nil, "", true},
		{"empty deflate", "deflate", nil, "", true},
		{"empty zstd", "zstd", nil, "", true},
		{"not gzip", "gzip", []byte("plain text"), "", false},
		{"not deflate", "deflate", []byte("plain text"), "", false},
		{"not zstd", "zstd", []byte("plain text"), "", false},
		{"cut gzip", "gzip", good[:len(good)/2], "", false},
	} {
		ctx := runDecompress(t, "GET", &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {tc.enc}},
			Body: io.NopCloser(bytes.NewReader(tc.body))})
		b, err := io.ReadAll(ctx.FResponse.Body)
		if (err == nil) != tc.ok || (tc.ok && string(b) != tc.want) {
			t.Errorf("%s: read %q, %v", tc.name, b, err)
		}
		if err := ctx.FResponse.Body.Close(); err != nil {
			t.Errorf("%s: close: %v", tc.name, err)
		}
		if _, err := ctx.FResponse.Body.Read(make([]byte, 1)); err != ErrClosed {
			t.Errorf("%s: read after close: %v", tc.name, err)
		}
	}

	// the original body's error comes through
	ctx := runDecompress(t, "GET", &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {"gzip"}},
		Body: io.NopCloser(io.MultiReader(bytes.NewReader(good[:30]), iotest.ErrReader(io.ErrClosedPipe)))})
	if _, err := io.ReadAll(ctx.FResponse.Body); err != io.ErrClosedPipe {
		t.Errorf("source error: %v", err)
	}
}

// TestDecompressPooled: decoders go back to their pools on Close and decode
// the next body correctly, also after a body closed half read.
func TestDecompressPooled(t *testing.T) {
	codings := []string{"gzip", "deflate", "zstd"}
	if haveBrotli {
		codings = append(codings, "br")
	}
	for _, enc := range codings {
		for i := range 20 {
			text := strings.Repeat(string(rune('a'+i)), 5000+i)
			body := encode(t, []byte(text), enc)
			src := &closeRecorder{Reader: bytes.NewReader(body)}
			ctx := runDecompress(t, "GET", &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {enc}}, Body: src})
			if i%3 == 0 {
				// half read, then closed
				if _, err := ctx.FResponse.Body.Read(make([]byte, 100)); err != nil {
					t.Fatal(err)
				}
				ctx.FResponse.Body.Close()
			} else if got := filtertest.Body(t, ctx.FResponse); got != text {
				t.Fatalf("%s #%d: got %d bytes", enc, i, len(got))
			}
			if !src.closed {
				t.Errorf("%s #%d: original body not closed", enc, i)
			}
		}
	}
}

func TestDecompressArgs(t *testing.T) {
	filtertest.CheckCreate(t, spec(t, "decompress"), nil, "")
	filtertest.CheckCreate(t, spec(t, "decompress"), []any{"gzip"}, "want 0 argument(s), got 1")
}

func TestZlibHeader(t *testing.T) {
	for _, level := range []int{zlib.NoCompression, zlib.BestSpeed, zlib.DefaultCompression, zlib.BestCompression} {
		var b bytes.Buffer
		w, _ := zlib.NewWriterLevel(&b, level)
		w.Write([]byte("x"))
		w.Close()
		if !isZlibHeader([2]byte(b.Bytes()[:2])) {
			t.Errorf("level %d: % x not taken for zlib", level, b.Bytes()[:2])
		}
	}
	for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.HuffmanOnly} {
		for _, data := range []string{"", "x", strings.Repeat("abc", 1000)} {
			var b bytes.Buffer
			w, _ := flate.NewWriter(&b, level)
			w.Write([]byte(data))
			w.Close()
			if b.Len() >= 2 && isZlibHeader([2]byte(b.Bytes()[:2])) {
				t.Errorf("raw level %d: % x taken for zlib", level, b.Bytes()[:2])
			}
		}
	}
}
