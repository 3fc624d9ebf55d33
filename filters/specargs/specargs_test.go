package specargs

import (
	"errors"
	"math"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

func f(args ...any) Args { return Filter("f", args) }
func p(args ...any) Args { return Predicate("P", args) }

func TestFilterErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"count", f(1).Count(2, 2), "f: want 2 argument(s), got 1"},
		{"range", f().Count(1, 3), "f: want 1 to 3 arguments, got 0"},
		{"at least", f().Count(1, -1), "f: want at least 1 argument(s), got 0"},
		{"string", second(f(1.5).String(0, "name")), "f: argument 1 (name) must be a string, got float64 1.5"},
		{"empty", second(f("").NonEmptyString(0, "name")), "argument 1 (name) must not be empty"},
		{"number", second(f("x").Number(0, "n")), `argument 1 (n) must be a number, got string x`},
		{"int", second(f("x", 1.5).Int(1, "n")), "argument 2 (n) must be an integer"},
		{"status", second(f(99.0).StatusCode(0)), "out of range 100-999: 99"},
		{"duration", second(f("5 parsecs").Duration(0, "d", false)), `argument 1 (d) "5 parsecs" is not a duration`},
		{"duration type", second(f(5.0).Duration(0, "d", false)), "must be a duration string"},
		{"regexp", second(f("(").Regexp(0, "rx")), `argument 1 (rx) "(" is not a valid regexp`},
		{"regexp type", second(f(1.0).Regexp(0, "rx")), `argument 1 (rx) must be a regexp string, got float64 1`},
		{"prefix", second(f("x").Prefix(0, "net")), `argument 1 (net) "x" is not an IP address or CIDR`},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) || !errors.Is(tc.err, filters.ErrInvalidFilterParameters) {
			t.Errorf("%s: got %v, want it to contain %q and wrap ErrInvalidFilterParameters", tc.name, tc.err, tc.want)
		}
		if errors.Is(tc.err, ErrInvalidPredicateParameters) {
			t.Errorf("%s: a filter's error wraps the predicate sentinel", tc.name)
		}
	}
}

func TestPredicateErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"at least", p().Count(1, -1), "P: expects at least 1 argument(s), got 0: invalid predicate parameters"},
		{"exact", p(1, 2, 3).Count(2, 2), "P: expects 2 argument(s), got 3: invalid predicate parameters"},
		{"range", p().Count(1, 2), "P: expects 1 to 2 arguments, got 0: invalid predicate parameters"},
		{"string", second(p(1.0).String(0, "name")), "P: argument 1 (1) must be a string: invalid predicate parameters"},
		{"empty", second(p("").NonEmptyString(0, "name")), "P: argument 1 must not be empty: invalid predicate parameters"},
		{"number", second(p("1").Number(0, "n")), "P: argument 1 (1) must be a number: invalid predicate parameters"},
		{"regexp", second(p("(").Regexp(0, "rx")), `P: argument 1 ("(") is not a valid regular expression: `},
		{"compiled regexp", second(p(regexp.MustCompile("a")).Regexp(0, "rx")), `P: argument 1 (a) must be a string`},
		{"prefix", second(p("x").Prefix(0, "net")), `P: argument 1 ("x") is not an IP address or CIDR: invalid predicate parameters`},
	} {
		if tc.err == nil || !strings.HasPrefix(tc.err.Error(), tc.want) || !errors.Is(tc.err, ErrInvalidPredicateParameters) {
			t.Errorf("%s: got %v, want it to start with %q and wrap ErrInvalidPredicateParameters", tc.name, tc.err, tc.want)
		}
		if errors.Is(tc.err, filters.ErrInvalidFilterParameters) {
			t.Errorf("%s: a predicate's error wraps the filter sentinel", tc.name)
		}
	}
	for _, ok := range []Args{p(), p(1), p(1, 2)} {
		if err := ok.Count(0, 2); err != nil {
			t.Errorf("%d args in [0,2]: %v", ok.Len(), err)
		}
	}
	if err := p(make([]any, 9)...).Count(1, -1); err != nil {
		t.Errorf("no upper limit: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestValues(t *testing.T) {
	if n, err := f(3.0).Int(0, "n"); n != 3 || err != nil {
		t.Errorf("Int(3.0) = %d, %v", n, err)
	}
	if n, err := f(7).Int(0, "n"); n != 7 || err != nil {
		t.Errorf("Int(7) = %d, %v", n, err)
	}
	if _, err := f(float64(1<<53)).Int(0, "n"); err == nil {
		t.Error("Int accepted 2^53")
	}
	for _, v := range []any{1.5, float32(1.5), 2, int64(2), int32(2), math.NaN()} {
		if _, err := p(v).Number(0, "n"); err != nil {
			t.Errorf("Number(%T): %v", v, err)
		}
	}
	for _, tc := range []struct {
		arg  any
		ms   bool
		want time.Duration
	}{
		{"1.5s", false, 1500 * time.Millisecond},
		{time.Minute, false, time.Minute},
		{250.0, true, 250 * time.Millisecond},
		{3, true, 3 * time.Millisecond},
	} {
		if d, err := f(tc.arg).Duration(0, "d", tc.ms); d != tc.want || err != nil {
			t.Errorf("Duration(%v) = %v, %v", tc.arg, d, err)
		}
	}
	if rx, err := f("^a+$").Regexp(0, "rx"); err != nil || !rx.MatchString("aaa") {
		t.Errorf("Regexp: %v", err)
	}
	compiled := regexp.MustCompile("b")
	if rx, err := f(compiled).Regexp(0, "rx"); rx != compiled || err != nil {
		t.Errorf("Regexp(compiled) = %v, %v", rx, err)
	}
	if a := f(1, "x"); a.Name() != "f" || a.Len() != 2 || a.At(1) != "x" {
		t.Errorf("Name %q Len %d At(1) %v", a.Name(), a.Len(), a.At(1))
	}
}

func TestPrefix(t *testing.T) {
	for _, tc := range []struct {
		arg  any
		want string
	}{
		{"10.0.0.1", "10.0.0.1/32"},
		{" 10.0.0.1 ", "10.0.0.1/32"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"2001:db8::/32", "2001:db8::/32"},
		{"::ffff:10.0.0.1", "10.0.0.1/32"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"fe80::1%eth0", "fe80::1/128"},
	} {
		got, err := p(tc.arg).Prefix(0, "net")
		if err != nil || got != netip.MustParsePrefix(tc.want) {
			t.Errorf("%v: %v %v, want %s", tc.arg, got, err, tc.want)
		}
	}
	for _, bad := range []any{"", "x", "10.0.0.0/33", "1.2.3.4.5", 3.0} {
		if _, err := p(bad).Prefix(0, "net"); !errors.Is(err, ErrInvalidPredicateParameters) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestFlag(t *testing.T) {
	for _, tc := range []struct {
		args []any
		want bool
		err  string
	}{
		{[]any{"true"}, true, ""},
		{[]any{"false"}, false, ""},
		{nil, false, "want 1 argument(s), got 0"},
		{[]any{"true", "false"}, false, "want 1 argument(s), got 2"},
		{[]any{true}, false, `argument 1 ("true" or "false") must be a string`},
		{[]any{"yes"}, false, `argument 1 must be "true" or "false", got "yes"`},
	} {
		got, err := Filter("f", tc.args).Flag()
		checkArg(t, tc.args, err, tc.err)
		if got != tc.want {
			t.Errorf("Flag(%v) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestPositiveInt(t *testing.T) {
	for _, tc := range []struct {
		arg  any
		want int
		err  string
	}{
		{3.0, 3, ""},
		{7, 7, ""},
		{int64(9), 9, ""},
		{float64(math.MaxInt32), math.MaxInt32, ""},
		{"5", 0, "argument 2 must be a number"},
		{0.0, 0, "argument 2 must be a positive integer"},
		{-1, 0, "argument 2 must be a positive integer"},
		{1.5, 0, "argument 2 must be a positive integer"},
		{math.NaN(), 0, "argument 2 must be a positive integer"},
		{float64(math.MaxInt32) + 1, 0, "argument 2 must be a positive integer"},
	} {
		n, err := f(nil, tc.arg).PositiveInt(1)
		checkArg(t, tc.arg, err, tc.err)
		if n != tc.want {
			t.Errorf("PositiveInt(%v) = %d, want %d", tc.arg, n, tc.want)
		}
	}
}

func TestPositiveDuration(t *testing.T) {
	for _, tc := range []struct {
		arg  any
		unit time.Duration
		want time.Duration
		err  string
	}{
		{"1.5s", time.Second, 1500 * time.Millisecond, ""},
		{time.Minute, time.Millisecond, time.Minute, ""},
		{250.0, time.Millisecond, 250 * time.Millisecond, ""},
		{3, time.Millisecond, 3 * time.Millisecond, ""},
		{1.5, time.Second, 1500 * time.Millisecond, ""},
		{2, time.Second, 2 * time.Second, ""},
		{"5 parsecs", time.Second, 0, "argument 1: time: unknown unit"},
		{"0s", time.Second, 0, "argument 1 must be a positive duration"},
		{-1.0, time.Millisecond, 0, "argument 1 must be a positive duration"},
		{true, time.Millisecond, 0, "argument 1 must be a duration or a number of milliseconds"},
		{true, time.Second, 0, "argument 1 must be a duration or a number of seconds"},
	} {
		d, err := f(tc.arg).PositiveDuration(0, tc.unit)
		checkArg(t, tc.arg, err, tc.err)
		if d != tc.want {
			t.Errorf("PositiveDuration(%v, %v) = %v, want %v", tc.arg, tc.unit, d, tc.want)
		}
	}
}

func TestHeaderSyntax(t *testing.T) {
	for s, want := range map[string]bool{"X-Foo": true, "x_b.c~": true, "": false, "X Foo": false, "X:Foo": false, "Ä": false} {
		if ValidHeaderName(s) != want {
			t.Errorf("ValidHeaderName(%q) != %v", s, want)
		}
	}
	for s, want := range map[string]bool{"a b\tc": true, "": true, "a\r\nb": false, "a\x00": false, "é": true} {
		if ValidHeaderValue(s) != want {
			t.Errorf("ValidHeaderValue(%q) != %v", s, want)
		}
	}
}

func checkArg(t *testing.T, arg any, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%v: %v", arg, err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, filters.ErrInvalidFilterParameters) {
		t.Errorf("%v: got %v, want it to contain %q and wrap ErrInvalidFilterParameters", arg, err, want)
	}
}
