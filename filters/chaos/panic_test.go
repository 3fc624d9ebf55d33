package chaos

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// argPool is filters/builtin's pool of argument values (eskip's types, Go
// callers' types, edge values).
var argPool = []any{
	nil, "", "x", "/", "/a/:b/*c", "X-Header", "a=b", "-1", "0", "10",
	"1s", "-1s", "http://127.0.0.1:1", "https://", "[", "(", "$1", "${x}",
	"true", "false", "*", "gzip", "\x00\xff",
	0.0, -1.0, 1.5, 301.0, 1e300, -1e300, math.NaN(), math.Inf(1), math.Inf(-1),
	0, -1, 200, math.MaxInt, math.MinInt, int64(5), true, []any{"x"},
}

// TestArgsNeverPanic gives every filter every combination of up to two
// pool values (three for the histograms, the only ones that take three)
// and runs what it creates on a request and a response with
// and without body, for a client that has already gone: nothing panics
// and nothing waits.
func TestArgsNeverPanic(t *testing.T) {
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	run := func(name string, args []any) {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("%s%v panicked: %v", name, args, p)
			}
		}()
		f, err := spec(t, name).CreateFilter(args)
		if err != nil {
			return
		}
		for _, body := range []string{"", "body"} {
			req := httptest.NewRequest("POST", "http://example.org/", strings.NewReader(body)).WithContext(gone)
			ctx := filtertest.NewContext(req)
			f.Request(ctx)
			if ctx.FResponse == nil {
				ctx.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
				if body != "" {
					ctx.FResponse = response(body)
				}
			}
			f.Response(ctx)
			for _, rc := range []interface{ Close() error }{ctx.FResponse.Body, req.Body} {
				_ = rc.Close()
			}
			ctx.FResponse.Body.Read(make([]byte, 10))
			req.Body.Read(make([]byte, 10))
		}
	}
	for _, s := range Specs() {
		run(s.Name(), nil)
		for _, a := range argPool {
			run(s.Name(), []any{a})
			for _, b := range argPool {
				run(s.Name(), []any{a, b})
				if !strings.HasPrefix(s.Name(), "histogram") {
					continue
				}
				for _, c := range []any{nil, "0", "1s", "-1s", "x", 1.5, math.NaN(), 200} {
					run(s.Name(), []any{a, b, c})
				}
			}
		}
	}
}
