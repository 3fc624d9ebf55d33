package compress

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestCreateFilterArgs(t *testing.T) {
	s := &spec{}
	for _, tc := range []struct {
		args  []any
		bad   string
		level int
		has   []string
		lacks []string
	}{
		{args: nil, level: 1, has: []string{"text/html", "application/json"}},
		{args: []any{9.0}, level: 9, has: []string{"text/css"}},
		{args: []any{-2.0}, level: -2},
		{args: []any{11.0}, level: 11},
		{args: []any{"application/xml"}, level: 1, has: []string{"application/xml"}, lacks: []string{"text/html"}},
		{args: []any{5.0, "...", "Application/XML"}, level: 5, has: []string{"application/xml", "text/html"}},
		{args: []any{12.0}, bad: "argument 1 (level)"},
		{args: []any{1.5}, bad: "argument 1 (level)"},
		{args: []any{1.0, 2.0}, bad: "argument 2 must be a media type"},
		{args: []any{"text/html", "..."}, bad: "argument 2: \"...\" must come first"},
		{args: []any{"html"}, bad: "argument 1 \"html\" is not a media type"},
	} {
		f, err := s.CreateFilter(tc.args)
		if tc.bad != "" {
			if err == nil || !errors.Is(err, filters.ErrInvalidFilterParameters) ||
				!strings.Contains(err.Error(), Name) || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%v: error %v, want one naming %q", tc.args, err, tc.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		cf := f.(*filter)
		if cf.level != tc.level {
			t.Errorf("%v: level %d", tc.args, cf.level)
		}
		for _, ty := range tc.has {
			if _, ok := cf.types[ty]; !ok {
				t.Errorf("%v: missing type %s", tc.args, ty)
			}
		}
		for _, ty := range tc.lacks {
			if _, ok := cf.types[ty]; ok {
				t.Errorf("%v: unexpected type %s", tc.args, ty)
			}
		}
	}
}

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		accept string
		want   encoding
	}{
		{"", encNone},
		{"gzip", encGzip},
		{"deflate", encDeflate},
		{"deflate, gzip", encGzip},
		{"gzip;q=0.5, deflate", encDeflate},
		{"gzip;q=0, deflate;q=0.1", encDeflate},
		{"gzip;q=0", encNone},
		{"*", encNone},
		{"br, zstd", encNone},
		{"br;q=1.0, GZIP ; q=0.8", encGzip},
		{"identity", encNone},
		{"x-gzip", encGzip},
		{"gzip;q=bogus, deflate;q=0.2", encDeflate},
	} {
		if got := choose(tc.accept); got != tc.want {
			t.Errorf("%q: got %v, want %v", tc.accept, got, tc.want)
		}
	}
}

var bigText = strings.Repeat("skiff compresses streaming bodies. ", 5000)

func respond(t *testing.T, f filters.Filter, method, accept string, rsp *http.Response) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, "/", nil)
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	ctx := filtertest.NewContext(req)
	f.Request(ctx)
	ctx.FResponse = rsp
	f.Response(ctx)
	return ctx.FResponse
}

func textResponse(body string, hdr ...string) *http.Response {
	h := http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Content-Length": {fmt.Sprint(len(body))}}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &http.Response{StatusCode: 200, Header: h, ContentLength: int64(len(body)), Body: io.NopCloser(strings.NewReader(body))}
}

func TestCompressRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		accept, encoding string
		level            float64
		decode           func(io.Reader) (io.Reader, error)
	}{
		{"gzip", "gzip", 1, func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{"deflate", "deflate", 9, func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }},
		{"gzip;q=0.1, deflate", "deflate", 11, func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }},
		{"gzip", "gzip", -2, func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			f := filtertest.Create(t, &spec{}, tc.level)
			rsp := respond(t, f, "GET", tc.accept, textResponse(bigText, "Etag", `"v1"`, "Accept-Ranges", "bytes"))
			if got := rsp.Header.Get("Content-Encoding"); got != tc.encoding {
				t.Fatalf("Content-Encoding %q", got)
			}
			if rsp.Header.Get("Content-Length") != "" || rsp.ContentLength != -1 || rsp.Header.Get("Accept-Ranges") != "" {
				t.Fatalf("length headers left: %v %d", rsp.Header, rsp.ContentLength)
			}
			if rsp.Header.Get("Vary") != "Accept-Encoding" || rsp.Header.Get("Etag") != `W/"v1"` {
				t.Fatalf("headers %v", rsp.Header)
			}
			compressed, err := io.ReadAll(rsp.Body)
			if err != nil {
				t.Fatal(err)
			}
			rsp.Body.Close()
			limit := len(bigText) / 4
			if tc.level == -2 { // Huffman coding only: no matching of repeats
				limit = len(bigText) * 3 / 4
			}
			if len(compressed) >= limit {
				t.Fatalf("compressed %d of %d bytes", len(compressed), len(bigText))
			}
			d, err := tc.decode(bytes.NewReader(compressed))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(d)
			if err != nil || string(plain) != bigText {
				t.Fatalf("round trip failed: %v, %d bytes", err, len(plain))
			}
		})
	}
}

func TestSkipped(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		accept string
		rsp    *http.Response
		vary   bool
	}{
		{"no accept-encoding", "GET", "", textResponse(bigText), true},
		{"unsupported encoding", "GET", "br", textResponse(bigText), true},
		{"already encoded", "GET", "gzip", textResponse(bigText, "Content-Encoding", "br"), false},
		{"no-transform", "GET", "gzip", textResponse(bigText, "Cache-Control", "public, no-transform"), false},
		{"other type", "GET", "gzip", textResponse(bigText, "Content-Type", "image/png"), false},
		{"no type", "GET", "gzip", textResponse(bigText, "Content-Type", ""), false},
		{"small body", "GET", "gzip", textResponse("tiny"), true},
		{"head", "HEAD", "gzip", textResponse(bigText), false},
		{"no content", "GET", "gzip", &http.Response{StatusCode: 204, Header: http.Header{"Content-Type": {"text/html"}}, Body: http.NoBody}, false},
		{"not modified", "GET", "gzip", &http.Response{StatusCode: 304, Header: http.Header{"Content-Type": {"text/html"}}, Body: io.NopCloser(strings.NewReader(""))}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, &spec{})
			body := tc.rsp.Body
			rsp := respond(t, f, tc.method, tc.accept, tc.rsp)
			if rsp.Header.Get("Content-Encoding") == "gzip" || rsp.Body != body {
				t.Fatal("response was compressed")
			}
			if got := rsp.Header.Get("Vary") == "Accept-Encoding"; got != tc.vary {
				t.Fatalf("Vary %q", rsp.Header.Get("Vary"))
			}
		})
	}
}

func TestVaryNotDuplicated(t *testing.T) {
	f := filtertest.Create(t, &spec{})
	rsp := respond(t, f, "GET", "gzip", textResponse(bigText, "Vary", "Origin, accept-encoding"))
	if v := rsp.Header.Values("Vary"); len(v) != 1 {
		t.Fatalf("Vary %v", v)
	}
	rsp.Body.Close()
}

// TestStreams checks that compressed output for a chunk is available
// before the backend sends the next one.
func TestStreams(t *testing.T) {
	f := filtertest.Create(t, &spec{})
	pr, pw := io.Pipe()
	rsp := respond(t, f, "GET", "gzip", &http.Response{StatusCode: 200, ContentLength: -1,
		Header: http.Header{"Content-Type": {"text/plain"}}, Body: pr})
	defer rsp.Body.Close()
	chunk := "data: first event\n\n"
	go pw.Write([]byte(chunk))
	buf := make([]byte, 4096)
	n, err := rsp.Body.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(buf[:n]))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(chunk))
	if _, err := io.ReadFull(zr, got); err != nil || string(got) != chunk {
		t.Fatalf("first chunk not decodable on its own: %q %v", got, err)
	}
	pw.Close()
	rest, err := io.ReadAll(rsp.Body)
	if err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(must(gzip.NewReader(bytes.NewReader(append(buf[:n:n], rest...)))))
	if err != nil || string(all) != chunk {
		t.Fatalf("full stream %q %v", all, err)
	}
}

func must(r *gzip.Reader, err error) io.Reader {
	if err != nil {
		panic(err)
	}
	return r
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestCloseEarlyAndSourceErrors(t *testing.T) {
	f := filtertest.Create(t, &spec{})
	src := &closeRecorder{Reader: strings.NewReader(bigText)}
	rsp := respond(t, f, "GET", "gzip", &http.Response{StatusCode: 200, ContentLength: -1,
		Header: http.Header{"Content-Type": {"text/plain"}}, Body: src})
	buf := make([]byte, 10)
	if _, err := rsp.Body.Read(buf); err != nil {
		t.Fatal(err)
	}
	if err := rsp.Body.Close(); err != nil || !src.closed {
		t.Fatalf("source not closed: %v", err)
	}
	if _, err := rsp.Body.Read(buf); err == nil {
		t.Fatal("read after close succeeded")
	}
	rsp.Body.Close()

	boom := errors.New("backend reset")
	rsp = respond(t, f, "GET", "gzip", &http.Response{StatusCode: 200, ContentLength: -1,
		Header: http.Header{"Content-Type": {"text/plain"}},
		Body:   io.NopCloser(io.MultiReader(strings.NewReader(bigText), errReader{boom}))})
	if _, err := io.ReadAll(rsp.Body); !errors.Is(err, boom) {
		t.Fatalf("source error lost: %v", err)
	}
	rsp.Body.Close()
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestConcurrentPooledEncoders(t *testing.T) {
	f := filtertest.Create(t, &spec{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				body := strings.Repeat(fmt.Sprintf("goroutine %d request %d ", g, i), 200)
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Accept-Encoding", "gzip")
				ctx := filtertest.NewContext(req)
				ctx.FResponse = textResponse(body)
				f.Response(ctx)
				zr, err := gzip.NewReader(ctx.FResponse.Body)
				if err != nil {
					t.Error(err)
					return
				}
				plain, err := io.ReadAll(zr)
				ctx.FResponse.Body.Close()
				if err != nil || string(plain) != body {
					t.Errorf("corrupted body: %v", err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func BenchmarkCompress64K(b *testing.B) {
	f, _ := (&spec{}).CreateFilter(nil)
	body := bigText[:64<<10]
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	ctx := filtertest.NewContext(req)
	rd := strings.NewReader(body)
	buf := make([]byte, 8<<10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		ctx.FResponse = &http.Response{StatusCode: 200, ContentLength: -1,
			Header: http.Header{"Content-Type": {"text/html"}}, Body: io.NopCloser(rd)}
		f.Response(ctx)
		for {
			if _, err := ctx.FResponse.Body.Read(buf); err != nil {
				break
			}
		}
		ctx.FResponse.Body.Close()
	}
}
