package body_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/body"
	"github.com/skiff-proxy/skiff/filters/status"
	"github.com/skiff-proxy/skiff/proxy/proxytest"
)

// bodyProxy runs the proxy with routes (BE replaced by the backend's URL)
// and this package's and the status filters.
func bodyProxy(t *testing.T, routes string, be *httptest.Server) *httptest.Server {
	t.Helper()
	return proxytest.Serve(t, strings.ReplaceAll(routes, "BE", be.URL),
		proxytest.Options{Filters: append(body.Specs(), status.Specs()...)}).Server
}

// large is a body of about 1 MiB with "foo" in it here and there, written
// by the backend in pieces that cut some of them in two.
var large = func() string {
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "line %d", i)
		if i%5 == 0 {
			b.WriteString(" foo")
		}
		b.WriteString("\n")
	}
	return b.String()
}()

func writeInPieces(w http.ResponseWriter, s string) {
	f := w.(http.Flusher)
	for len(s) > 0 {
		n := min(len(s), 1001)
		io.WriteString(w, s[:n])
		f.Flush()
		s = s[n:]
	}
}

func TestBodyThroughProxy(t *testing.T) {
	var gotContentLength atomic.Value
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotContentLength.Store(r.Header.Get("Content-Length") + "|" + strings.Join(r.TransferEncoding, ","))
		switch r.URL.Path {
		case "/echo":
			b, err := io.ReadAll(r.Body)
			if err != nil {
				w.WriteHeader(http.StatusTeapot)
				return
			}
			w.Write(b)
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Vary", "Accept-Encoding")
			gz := gzip.NewWriter(w)
			io.WriteString(gz, "compressed foo text")
			gz.Close()
		case "/short":
			w.Header().Set("Content-Length", "8")
			io.WriteString(w, "a foo b ")
		default:
			writeInPieces(w, large)
		}
	}))
	defer be.Close()
	srv := bodyProxy(t, `
		sed: Path("/sed") -> sed("foo", "barbaz", 100, "abort") -> "BE";
		sedDelim: Path("/sed-delim") -> sedDelim("^line 1", "LINE 1", "\n", 100, "abort") -> "BE";
		sedUnbounded: Path("/sed-unbounded") -> sed("o+", "0") -> "BE";
		sedAbort: Path("/sed-abort") -> sed("[a-z0-9 \n]+", "", 1000, "abort") -> "BE";
		sedShort: Path("/short") -> sed("foo", "barbaz") -> "BE";
		sedRequest: Path("/echo") && Header("X-Sed", "yes") -> sedRequest("foo", "barbaz") -> "BE";
		sedRequestAbort: Path("/echo") && Header("X-Sed", "abort") -> sedRequest("[a-z]+", "", 100, "abort") -> "BE";
		sedRequestDelim: Path("/echo") && Header("X-Sed", "delim") -> sedRequestDelim("^line", "LINE", "\n") -> "BE";
		block: Path("/echo") && Header("X-Block", "yes") -> blockContent("evil", "bad") -> "BE";
		blockHex: Path("/echo") && Header("X-Block", "hex") -> blockContentHex("00ff") -> "BE";
		echo: Path("/echo") -> "BE";
		decompress: Path("/gzip") -> sed("foo", "bar") -> decompress() -> "BE";
		random: Path("/random") -> randomContent(4242) -> <shunt>;
		repeat: Path("/repeat") -> repeatContent("I will not waste chalk. ", 1000) -> <shunt>;
		zeros: Path("/zeros") -> wrapContent("[", "0]") -> repeatContent("0, ", 297) -> <shunt>;
		hexa: Path("/hexa") -> wrapContentHex("68657861", "6d616c") -> inlineContent("deci") -> <shunt>;
	`, be)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()

	do := func(method, path string, reqBody string, header ...string) (*http.Response, string, error) {
		t.Helper()
		var rd io.Reader
		if reqBody != "" {
			rd = strings.NewReader(reqBody)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rsp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		return rsp, string(b), err
	}

	t.Run("sed", func(t *testing.T) {
		rsp, b, err := do("GET", "/sed", "")
		want := strings.ReplaceAll(large, "foo", "barbaz")
		if err != nil || b != want || rsp.ContentLength != -1 {
			t.Errorf("err %v, equal %v (%d bytes, want %d), length %d", err, b == want, len(b), len(want), rsp.ContentLength)
		}
	})
	t.Run("sedDelim", func(t *testing.T) {
		_, b, err := do("GET", "/sed-delim", "")
		want := strings.ReplaceAll("\n"+large, "\nline 1", "\nLINE 1")[1:]
		if err != nil || b != want {
			t.Errorf("err %v, equal %v", err, b == want)
		}
	})
	t.Run("sed unbounded", func(t *testing.T) {
		_, b, err := do("GET", "/sed-unbounded", "")
		want := strings.ReplaceAll(large, "oo", "0")
		if err != nil || b != want {
			t.Errorf("err %v, equal %v", err, b == want)
		}
	})
	t.Run("sed abort cuts the stream", func(t *testing.T) {
		_, b, err := do("GET", "/sed-abort", "")
		if err == nil || len(b) > 100 {
			t.Errorf("got %d bytes, %v", len(b), err)
		}
	})
	t.Run("sed drops Content-Length", func(t *testing.T) {
		rsp, b, err := do("GET", "/short", "")
		if err != nil || b != "a barbaz b " || rsp.Header.Get("Content-Length") != "" && rsp.Header.Get("Content-Length") != "11" {
			t.Errorf("%q %v %v", b, err, rsp.Header)
		}
	})
	t.Run("sedRequest", func(t *testing.T) {
		_, b, err := do("POST", "/echo", large, "X-Sed", "yes")
		if err != nil || b != strings.ReplaceAll(large, "foo", "barbaz") {
			t.Errorf("err %v, %d bytes", err, len(b))
		}
		if cl := gotContentLength.Load(); cl != "|chunked" {
			t.Errorf("backend saw length %q", cl)
		}
		// a small body is buffered by the proxy: the backend gets its length
		_, b, _ = do("POST", "/echo", "a foo", "X-Sed", "yes")
		if b != "a barbaz" || gotContentLength.Load() != "8|" {
			t.Errorf("%q, backend saw length %q", b, gotContentLength.Load())
		}
		// a body the editor gives up on fails the request
		if rsp, _, _ := do("POST", "/echo", strings.Repeat("abc", 1000), "X-Sed", "abort"); rsp.StatusCode != 400 {
			t.Errorf("abort: status %d", rsp.StatusCode)
		}
		_, b, _ = do("POST", "/echo", "line 1\nline 2\n", "X-Sed", "delim")
		if b != "LINE 1\nLINE 2\n" {
			t.Errorf("delim: %q", b)
		}
	})
	t.Run("blockContent", func(t *testing.T) {
		for _, tc := range []struct {
			body   string
			header string
			status int
		}{
			{"harmless", "yes", 200},
			{"something evil", "yes", 400},
			{"a bad thing", "yes", 400},
			{large, "yes", 200},
			{large + strings.Repeat("x", 1<<20) + "ev" + "il" + large, "yes", 400}, // beyond what the proxy buffers
			{"\x01\x00\xff\x02", "hex", 400},
			{"\x01\x00\xfe\x02", "hex", 200},
		} {
			rsp, b, _ := do("POST", "/echo", tc.body, "X-Block", tc.header)
			if rsp.StatusCode != tc.status || (tc.status == 200 && b != tc.body) {
				t.Errorf("%.20q…: status %d, %d bytes", tc.body, rsp.StatusCode, len(b))
			}
		}
		// Through net/http's transport (Expect: 100-continue) a large
		// blocked body is a 400 too.
		blocked := large + strings.Repeat("x", 1<<20) + "evil"
		if rsp, _, _ := do("POST", "/echo", blocked, "X-Block", "yes", "Expect", "100-continue"); rsp.StatusCode != 400 {
			t.Errorf("blocked body with Expect: status %d, want 400", rsp.StatusCode)
		}
	})
	t.Run("decompress", func(t *testing.T) {
		rsp, b, err := do("GET", "/gzip", "", "Accept-Encoding", "gzip")
		if err != nil || b != "compressed bar text" || rsp.Header.Get("Content-Encoding") != "" || rsp.Header.Get("Vary") != "" {
			t.Errorf("%q %v %v", b, err, rsp.Header)
		}
	})
	t.Run("generated", func(t *testing.T) {
		for _, tc := range []struct {
			path, body string
			n          int
		}{
			{"/random", "", 4242},
			{"/repeat", strings.Repeat("I will not waste chalk. ", 42)[:1000], 1000},
			{"/zeros", "[" + strings.Repeat("0, ", 99) + "0]", 300},
			{"/hexa", "hexadecimal", 11},
		} {
			rsp, b, err := do("GET", tc.path, "")
			if err != nil || rsp.StatusCode != 200 || len(b) != tc.n || (tc.body != "" && b != tc.body) ||
				rsp.Header.Get("Content-Length") != strconv.Itoa(tc.n) {
				t.Errorf("%s: %d %q %v %v", tc.path, rsp.StatusCode, b[:min(40, len(b))], err, rsp.Header)
			}
		}
	})
}

// TestSedStreamsThroughProxy: the client gets the edited start of a body
// while the backend is still sending it.
func TestSedStreamsThroughProxy(t *testing.T) {
	release := make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first foo line\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		io.WriteString(w, "second foo line\n")
	}))
	defer be.Close()
	srv := bodyProxy(t, `
		all: * -> sed("foo", "bar") -> "BE";
		delim: Path("/delim") -> sedDelim("foo", "bar", "\n") -> "BE";
	`, be)
	for _, path := range []string{"/", "/delim"} {
		rsp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(rsp.Body)
		done := make(chan string)
		go func() {
			line, _ := r.ReadString('\n')
			done <- line
		}()
		select {
		case line := <-done:
			if line != "first bar line\n" {
				t.Errorf("%s: first line %q", path, line)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: first line held back", path)
		}
		release <- struct{}{}
		rest, err := io.ReadAll(r)
		rsp.Body.Close()
		if err != nil || !bytes.Equal(rest, []byte("second bar line\n")) {
			t.Errorf("%s: rest %q, %v", path, rest, err)
		}
	}
}
