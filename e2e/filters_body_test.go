package e2e

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/filters/body"
)

// TestBodyFiltersRouteFile runs skipper's documented examples of the body
// filters from a route file through skiff.Run.
func TestBodyFiltersRouteFile(t *testing.T) {
	be := newBackend(t, "be", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			io.Copy(w, r.Body)
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			io.WriteString(gz, strings.Repeat("line with foo\n", 10000))
			gz.Close()
		default:
			for range 1000 {
				io.WriteString(w, "a foo line and a bar line\n")
				w.(http.Flusher).Flush()
			}
		}
	})
	in := start(t, strings.ReplaceAll(`
		editor: Path("/sed") -> sed("foo", "bar") -> "BE";
		editorDelim: Path("/sed-delim") -> sedDelim("^a", "A", "\n", 64000000) -> "BE";
		requestEditor: Path("/echo") && Method("PUT") -> sedRequest("foo", "bar") -> "BE";
		block: Path("/echo") && Method("POST") -> blockContent("Malicious Content") -> "BE";
		blockHex: Path("/echo") && Method("PATCH") -> blockContentHex("deadbeef", "000a") -> "BE";
		decompressed: Path("/gzip") -> decompress() -> "BE";
		random: Path("/random") -> randomContent(42) -> <shunt>;
		chalk: Path("/repeat") -> repeatContent("I will not waste chalk. ", 1000) -> <shunt>;
		hexa: Path("/hexa") -> repeatContentHex("68657861646563696d616c", 11) -> <shunt>;
		wrapped: Path("/wrap") -> wrapContent("foo", "baz") -> inlineContent("bar") -> <shunt>;
	`, "BE", be.URL), skiff.Options{CustomFilters: body.Specs()})
	in.client.Transport = &http.Transport{DisableCompression: true}

	if r := in.get(t, "/sed"); r.status != 200 || r.body != strings.Repeat("a bar line and a bar line\n", 1000) {
		t.Errorf("sed: %d %.60q", r.status, r.body)
	}
	if r := in.get(t, "/sed-delim"); r.status != 200 || r.body != strings.Repeat("A foo line and a bar line\n", 1000) {
		t.Errorf("sedDelim: %d %.60q", r.status, r.body)
	}
	if r := in.get(t, "/gzip", "Accept-Encoding", "gzip"); r.status != 200 ||
		r.body != strings.Repeat("line with foo\n", 10000) || r.header.Get("Content-Encoding") != "" {
		t.Errorf("decompress: %d %v %.60q", r.status, r.header, r.body)
	}
	for _, tc := range []struct {
		path, body string
		n          int
	}{
		{"/random", "", 42},
		{"/repeat", strings.Repeat("I will not waste chalk. ", 42)[:1000], 1000},
		{"/hexa", "hexadecimal", 11},
		{"/wrap", "foobarbaz", 9},
	} {
		r := in.get(t, tc.path)
		if r.status != 200 || len(r.body) != tc.n || (tc.body != "" && r.body != tc.body) {
			t.Errorf("%s: %d %q", tc.path, r.status, r.body)
		}
	}

	send := func(method, content string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, in.url+"/echo", strings.NewReader(content))
		rsp, err := in.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer rsp.Body.Close()
		b, _ := io.ReadAll(rsp.Body)
		return rsp.StatusCode, string(b)
	}
	if s, b := send("PUT", "a foo b"); s != 200 || b != "a bar b" {
		t.Errorf("sedRequest: %d %q", s, b)
	}
	if s, b := send("POST", "harmless"); s != 200 || b != "harmless" {
		t.Errorf("blockContent, harmless: %d %q", s, b)
	}
	if s, _ := send("POST", "some Malicious Content here"); s != 400 {
		t.Errorf("blockContent: %d", s)
	}
	if s, _ := send("PATCH", "x\x00\ny"); s != 400 {
		t.Errorf("blockContentHex: %d", s)
	}
	if s, _ := send("POST", strings.Repeat("long ", 100_000)+"Malicious "+"Content"); s != 400 {
		t.Errorf("blockContent, long body: %d", s)
	}
}
