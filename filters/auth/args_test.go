package auth

import (
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// TestArgsNeverPanic gives every filter of the package every combination
// of up to two arguments from a pool, then runs what could be created on
// a request with and without a token: errors are fine, panics are not.
func TestArgsNeverPanic(t *testing.T) {
	ti := newTokeninfoServer(t, tokeninfoAnswers)
	keys := newJSONServer(t, jwksOf(jwkOf("rsa", testKeys().rsa)))
	dir := t.TempDir()
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte("a:{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := []any{nil, "", "x", "/", dir, htpasswd, keys.URL, "http://127.0.0.1:1", "https://", "[", "(",
		"{}", "{optOutHosts: ['(']}", "X-Header", "uid", "a.#.b", "\x00\xff", "true",
		0.0, -1.0, 1.5, 1e300, math.NaN(), math.Inf(1), 0, -1, 200, int64(5), true, []any{"x"}}
	for _, reg := range []*Registry{nil, newTestRegistry(t, Options{}), newTestRegistry(t, Options{TokeninfoURL: ti.URL}),
		newTestRegistry(t, Options{TokeninfoURL: "%zz"})} {
		for _, spec := range Specs(reg) {
			run := func(args []any) {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("%s%#v panicked: %v", spec.Name(), args, p)
					}
				}()
				f, err := spec.CreateFilter(args)
				if err != nil {
					return
				}
				if c, ok := f.(filters.Closer); ok {
					defer c.Close()
				}
				for _, auth := range []string{"", "Bearer s1", "Bearer x.y.z", "Basic YTpoZWxsbw=="} {
					r := httptest.NewRequest("GET", "/", nil)
					if auth != "" {
						r.Header.Set("Authorization", auth)
					}
					ctx := filtertest.NewContext(r)
					f.Request(ctx)
					if ctx.FResponse == nil {
						ctx.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
					}
					f.Response(ctx)
				}
			}
			run(nil)
			for _, a := range pool {
				run([]any{a})
				for _, b := range pool {
					run([]any{a, b})
				}
			}
		}
	}
}
