package path_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/backend"
	"github.com/skiff-proxy/skiff/filters/cookie"
	"github.com/skiff-proxy/skiff/filters/headers"
	"github.com/skiff-proxy/skiff/filters/path"
	"github.com/skiff-proxy/skiff/filters/redirect"
	"github.com/skiff-proxy/skiff/filters/status"
	"github.com/skiff-proxy/skiff/filters/timeout"
	"github.com/skiff-proxy/skiff/proxy/proxytest"
)

// TestThroughProxy runs this group's filters inside the real proxy against
// a real backend, checking what the backend and the client see.
func TestThroughProxy(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		fmt.Fprintf(w, "host=%s uri=%s qp=%s", r.Host, r.RequestURI, r.Header.Get("X-Query-Param-A"))
	}))
	defer be.Close()

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte("file body"), 0o644); err != nil {
		t.Fatal(err)
	}
	routes := strings.NewReplacer("BE", be.URL, "DIR", dir).Replace(`
		host: Path("/host") -> setRequestHeader("Host", "custom.example") -> "BE";
		preserve: Path("/preserve") -> preserveHost("true") -> "BE";
		customFirst: Path("/custom-first") -> setRequestHeader("Host", "c.example") -> preserveHost("true") -> "BE";
		customLast: Path("/custom-last") -> preserveHost("true") -> setRequestHeader("Host", "c.example") -> "BE";
		rewrite: Path("/users/:id") -> setPath("/api/${id}") -> setQuery("src", "skiff") -> "BE";
		mod: PathSubtree("/m") -> modPath("^/m", "/mod") -> dropQuery("x") -> "BE";
		strip: Path("/strip") -> stripQuery("true") -> "BE";
		teapot: Path("/tea") -> status(418) -> inlineContent("tea") -> <shunt>;
		redir: Path("/old") -> redirectTo(301, "/new") -> <shunt>;
		slow: Path("/slow") -> backendTimeout("100ms") -> "BE";
		cookie: Path("/cookie") -> responseCookie("a", "b") -> "BE";
		files: PathSubtree("/files") -> static("/files", "DIR") -> <shunt>;
		dyn: Path("/dyn") -> setDynamicBackendUrl("BE") -> <dynamic>;
	`)
	var specs []filters.Spec
	for _, group := range [][]filters.Spec{headers.Specs(), path.Specs(), redirect.Specs(), status.Specs(),
		cookie.Specs(), timeout.Specs(), backend.Specs()} {
		specs = append(specs, group...)
	}
	srv := proxytest.Serve(t, routes, proxytest.Options{Filters: specs})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	beHost := strings.TrimPrefix(be.URL, "http://")
	inHost := strings.TrimPrefix(srv.URL, "http://")

	for _, tc := range []struct {
		path   string
		status int
		body   string
		header [2]string
	}{
		{path: "/host", status: 200, body: "host=custom.example uri=/host qp="},
		{path: "/preserve", status: 200, body: "host=" + inHost + " "},
		{path: "/custom-first", status: 200, body: "host=c.example "},
		{path: "/custom-last", status: 200, body: "host=c.example "},
		{path: "/users/42?a=1", status: 200, body: "host=" + beHost + " uri=/api/42?a=1&src=skiff "},
		{path: "/m/x?x=1&y=2", status: 200, body: "uri=/mod/x?y=2 "},
		{path: "/strip?a=1&b=2", status: 200, body: "uri=/strip qp=1"},
		{path: "/tea", status: 418, body: "tea", header: [2]string{"Content-Type", "text/plain; charset=utf-8"}},
		{path: "/old?q=1", status: 301, header: [2]string{"Location", "https://" + inHost + "/new?q=1"}},
		{path: "/slow", status: 504},
		{path: "/cookie", status: 200, header: [2]string{"Set-Cookie", "a=b; Path=/; Domain=127.0.0.1; HttpOnly; Secure"}},
		{path: "/files/f.txt", status: 200, body: "file body"},
		{path: "/files/none", status: 404},
		{path: "/dyn", status: 200, body: "uri=/dyn "},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rsp, err := client.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rsp.Body)
			rsp.Body.Close()
			if rsp.StatusCode != tc.status {
				t.Errorf("status %d, want %d (body %q)", rsp.StatusCode, tc.status, b)
			}
			if !strings.Contains(string(b), tc.body) {
				t.Errorf("body %q, want it to contain %q", b, tc.body)
			}
			if tc.header[0] != "" && rsp.Header.Get(tc.header[0]) != tc.header[1] {
				t.Errorf("%s: %q, want %q", tc.header[0], rsp.Header.Get(tc.header[0]), tc.header[1])
			}
		})
	}
}
