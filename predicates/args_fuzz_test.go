package predicates

import (
	"fmt"
	"math"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/skiff-proxy/skiff/routing"
)

// predArgPool holds argument values of the types the eskip parser produces
// (string, float64) and the ones Go callers may pass, with edge values.
var predArgPool = []any{
	nil, "", "x", "GET", "X-Header", "v", "[", "(", "^.*$", "10.0.0.0/8", "::1", "300.1.1.1/99",
	"2026-01-01T00:00:00Z", "* * * * *", "61 * * * *", "-1", "0", "deadbeef", "\x00\xff",
	0.0, -1.0, 0.5, 1.0, 2.0, 1e300, -1e300, math.NaN(), math.Inf(1), math.Inf(-1),
	0, -1, 1, math.MaxInt, math.MinInt, int64(3), true, []any{"x"},
}

func predSpecs() ([]string, routing.PredicateRegistry) {
	reg := routing.PredicateRegistry{}
	Register(reg, Options{})
	names := make([]string, 0, len(reg))
	for n := range reg {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, reg
}

// createAndMatch creates the predicate and, when that works, matches a
// request: neither step may panic.
func createAndMatch(t testing.TB, spec routing.PredicateSpec, args []any) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("%s%#v panicked: %v", spec.Name(), args, p)
		}
	}()
	p, err := spec.Create(args)
	if err != nil {
		return
	}
	if p == nil {
		t.Fatalf("%s%s: nil predicate and nil error", spec.Name(), fmt.Sprintf("%#v", args))
	}
	r := httptest.NewRequest("GET", "http://example.org/a?x=1", nil)
	r.Header.Set("X-Header", "v")
	r.Header.Set("Cookie", "x=v")
	p.Match(r)
}

// TestPredicateArgsNeverPanic gives every predicate every combination of
// up to two arguments from predArgPool, and some of three.
func TestPredicateArgsNeverPanic(t *testing.T) {
	names, reg := predSpecs()
	for _, n := range names {
		spec := reg[n]
		createAndMatch(t, spec, nil)
		for i, a := range predArgPool {
			createAndMatch(t, spec, []any{a})
			for j, b := range predArgPool {
				createAndMatch(t, spec, []any{a, b})
				createAndMatch(t, spec, []any{a, b, predArgPool[(i*7+j)%len(predArgPool)]})
			}
		}
	}
}

// FuzzPredicateArgs decodes the input into a predicate name and arguments.
func FuzzPredicateArgs(f *testing.F) {
	f.Add([]byte{0, 1, 2})
	f.Add([]byte("\x05\x01\x04a.b*\x02\x10"))
	names, reg := predSpecs()
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		spec := reg[names[int(in[0])%len(names)]]
		var args []any
		for i := 1; i+1 < len(in) && len(args) < 6; i++ {
			kind := in[i] % 4
			i++
			switch kind {
			case 0:
				args = append(args, predArgPool[int(in[i])%len(predArgPool)])
			case 1:
				end := min(i+1+int(in[i])%16, len(in))
				args = append(args, string(in[i+1:end]))
				i = end - 1
			case 2:
				args = append(args, float64(int8(in[i]))/4)
			case 3:
				args = append(args, int(int8(in[i])))
			}
		}
		createAndMatch(t, spec, args)
	})
}
