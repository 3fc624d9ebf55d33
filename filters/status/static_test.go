package status

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func staticDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"a.txt":          "hello file",
		"index.html":     "<html>root index</html>",
		"sub/b.json":     `{"b":1}`,
		"big.bin":        strings.Repeat("x", 1<<20),
		"nodir/file.txt": "n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestStatic(t *testing.T) {
	dir := staticDir(t)
	f := filtertest.Create(t, spec(t, "static"), "/static", dir)
	for _, tc := range []struct {
		name, method, path string
		hdr                map[string]string
		status             int
		body               string
		header             map[string]string
	}{
		{name: "file", method: "GET", path: "/static/a.txt", status: 200, body: "hello file",
			header: map[string]string{"Content-Type": "text/plain; charset=utf-8", "Content-Length": "10"}},
		{name: "index", method: "GET", path: "/static/", status: 200, body: "<html>root index</html>"},
		{name: "json", method: "GET", path: "/static/sub/b.json", status: 200, body: `{"b":1}`,
			header: map[string]string{"Content-Type": "application/json"}},
		{name: "dir redirect", method: "GET", path: "/static/sub", status: 301, header: map[string]string{"Location": "sub/"}},
		{name: "listing", method: "GET", path: "/static/nodir/", status: 200, body: `<a href="file.txt">file.txt</a>`},
		{name: "missing", method: "GET", path: "/static/nope.txt", status: 404, body: "404 page not found"},
		{name: "traversal", method: "GET", path: "/static/../../etc/passwd", status: 404},
		{name: "head", method: "HEAD", path: "/static/a.txt", status: 200, header: map[string]string{"Content-Length": "10"}},
		{name: "range", method: "GET", path: "/static/a.txt", hdr: map[string]string{"Range": "bytes=0-4"}, status: 206, body: "hello"},
		{name: "no prefix match uses path as is", method: "GET", path: "/a.txt", status: 200, body: "hello file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://in.org/", nil)
			r.URL.Path = tc.path
			for k, v := range tc.hdr {
				r.Header.Set(k, v)
			}
			ctx := filtertest.NewContext(r)
			f.Request(ctx)
			if !ctx.Served() {
				t.Fatal("not served")
			}
			rsp := ctx.FResponse
			body := filtertest.Body(t, rsp)
			if rsp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", rsp.StatusCode, tc.status)
			}
			if tc.body != "" && !strings.Contains(body, tc.body) {
				t.Errorf("body %q, want it to contain %q", body, tc.body)
			}
			if tc.method == "HEAD" && body != "" {
				t.Errorf("HEAD body %q", body)
			}
			for k, v := range tc.header {
				if got := rsp.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if r.URL.Path != tc.path {
				t.Errorf("request path changed to %q", r.URL.Path)
			}
		})
	}
}

func TestStaticStreamsAndStops(t *testing.T) {
	f := filtertest.Create(t, spec(t, "static"), "/", staticDir(t))
	r := httptest.NewRequest("GET", "/big.bin", nil)
	ctx := filtertest.NewContext(r)
	f.Request(ctx)
	rsp := ctx.FResponse
	if rsp.Header.Get("Content-Length") != "1048576" || rsp.ContentLength != 1<<20 {
		t.Fatalf("Content-Length %q", rsp.Header.Get("Content-Length"))
	}
	buf := make([]byte, 1000)
	if _, err := io.ReadFull(rsp.Body, buf); err != nil {
		t.Fatal(err)
	}
	// closing early must end the file server goroutine (checked by goleak)
	rsp.Body.Close()
}

func TestStaticBadArgs(t *testing.T) {
	dir := staticDir(t)
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"/"}, "want 2 argument(s), got 1"},
		{[]any{1.0, dir}, "argument 1 (path prefix) must be a string"},
		{[]any{"/", ""}, "argument 2 (directory) must not be empty"},
		{[]any{"/", filepath.Join(dir, "missing")}, "argument 2 (directory): stat"},
		{[]any{"/", filepath.Join(dir, "a.txt")}, "is not a directory"},
	} {
		filtertest.CreateFails(t, spec(t, "static"), tc.args, tc.want)
	}
}
