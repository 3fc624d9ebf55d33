package builtin

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/auth"
	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/filters/filtertest"
	"github.com/skiff-proxy/skiff/filters/ratelimit"
	"github.com/skiff-proxy/skiff/filters/tee"
)

// argPool holds argument values of every type the eskip parser produces
// (string, float64) and the ones Go callers may pass (int, nil), with edge
// values for each.
var argPool = []any{
	nil, "", "x", "/", "/a/:b/*c", "X-Header", "a=b", "-1", "0", "10",
	"1s", "-1s", "http://127.0.0.1:1", "https://", "[", "(", "$1", "${x}",
	"true", "false", "*", "gzip", "\x00\xff",
	0.0, -1.0, 1.5, 301.0, 1e300, -1e300, math.NaN(), math.Inf(1), math.Inf(-1),
	0, -1, 200, math.MaxInt, math.MinInt, int64(5), true, []any{"x"},
}

func fuzzRegistry(t testing.TB) (filters.Registry, func()) {
	br := breaker.NewRegistry(breaker.Options{})
	rl := ratelimit.NewRegistry(ratelimit.Options{})
	sh := tee.NewShadow(tee.Options{})
	au := auth.NewRegistry(auth.Options{})
	reg, err := Registry(Options{Breakers: br, Ratelimits: rl, Shadow: sh, Auth: au})
	if err != nil {
		t.Fatal(err)
	}
	return reg, func() { _ = sh.Close(); _ = rl.Close(); _ = au.Close() }
}

func sortedNames(reg filters.Registry) []string {
	names := make([]string, 0, len(reg))
	for n := range reg {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// createAndRun creates the filter and, when that works, runs it on a
// request and a response: neither step may panic.
func createAndRun(t testing.TB, spec filters.Spec, args []any) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("%s%s panicked: %v", spec.Name(), fmtArgs(args), p)
		}
	}()
	f, err := spec.CreateFilter(args)
	if err != nil {
		return
	}
	if f == nil {
		t.Fatalf("%s%s: nil filter and nil error", spec.Name(), fmtArgs(args))
	}
	if c, ok := f.(filters.Closer); ok {
		defer c.Close()
	}
	if strings.HasPrefix(spec.Name(), "tee") {
		return // would send shadow requests
	}
	// A client that is gone ends every wait a filter may start (latency).
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(gone, "GET", "http://example.org/a/b?x=1", nil)
	req.Header.Set("X-Header", "v")
	ctx := filtertest.NewContext(req)
	f.Request(ctx)
	if ctx.FResponse == nil {
		ctx.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Request: req, Body: http.NoBody}
	}
	f.Response(ctx)
	for _, rsp := range []*http.Response{ctx.FResponse, ctx.FOriginalResponse} {
		if rsp != nil && rsp.Body != nil {
			_ = rsp.Body.Close() // ends bodies streamed by goroutines
		}
	}
}

func fmtArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprintf("%#v", a)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// TestFilterArgsNeverPanic gives every built-in filter every combination
// of up to two arguments from argPool: each must create a filter or fail
// with an error, never panic.
func TestFilterArgsNeverPanic(t *testing.T) {
	reg, done := fuzzRegistry(t)
	defer done()
	for _, name := range sortedNames(reg) {
		spec := reg[name]
		createAndRun(t, spec, nil)
		for _, a := range argPool {
			createAndRun(t, spec, []any{a})
			for _, b := range argPool {
				createAndRun(t, spec, []any{a, b})
			}
		}
	}
}

// FuzzFilterArgs decodes the input into a filter name and an argument list.
func FuzzFilterArgs(f *testing.F) {
	f.Add([]byte{0, 1, 2})
	f.Add([]byte{5, 4, 4, 4, 4})
	f.Add([]byte("\x10\x03\x05abcde\x01\x02"))
	reg, done := fuzzRegistry(f)
	defer done()
	names := sortedNames(reg)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		spec := reg[names[int(in[0])%len(names)]]
		var args []any
		for i := 1; i < len(in) && len(args) < 8; i++ {
			switch in[i] % 4 {
			case 0: // a pool value
				if i+1 < len(in) {
					i++
					args = append(args, argPool[int(in[i])%len(argPool)])
				}
			case 1: // a string taken from the input
				n := 0
				if i+1 < len(in) {
					i++
					n = int(in[i]) % 16
				}
				end := min(i+1+n, len(in))
				args = append(args, string(in[i+1:end]))
				i = end - 1
			case 2:
				if i+1 < len(in) {
					i++
					args = append(args, float64(int8(in[i]))/4)
				}
			case 3:
				if i+1 < len(in) {
					i++
					args = append(args, int(int8(in[i])))
				}
			}
		}
		createAndRun(t, spec, args)
	})
}
