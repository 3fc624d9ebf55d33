package filterargs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"count", Count("f", []any{1}, 2, 2), "f: want 2 argument(s), got 1"},
		{"range", Count("f", nil, 1, 3), "f: want 1 to 3 arguments, got 0"},
		{"string", func() error { _, err := String("f", []any{1.5}, 0, "name"); return err }(), "f: argument 1 (name) must be a string, got float64 1.5"},
		{"empty", func() error { _, err := NonEmptyString("f", []any{""}, 0, "name"); return err }(), "argument 1 (name) must not be empty"},
		{"int", func() error { _, err := Int("f", []any{"x", 1.5}, 1, "n"); return err }(), "argument 2 (n) must be an integer"},
		{"status", func() error { _, err := StatusCode("f", []any{99.0}, 0); return err }(), "out of range 100-999: 99"},
		{"duration", func() error { _, err := Duration("f", []any{"5 parsecs"}, 0, "d", false); return err }(), `argument 1 (d) "5 parsecs" is not a duration`},
		{"duration type", func() error { _, err := Duration("f", []any{5.0}, 0, "d", false); return err }(), "must be a duration string"},
		{"regexp", func() error { _, err := Regexp("f", []any{"("}, 0, "rx"); return err }(), `argument 1 (rx) "(" is not a valid regexp`},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) || !errors.Is(tc.err, filters.ErrInvalidFilterParameters) {
			t.Errorf("%s: got %v, want it to contain %q and wrap ErrInvalidFilterParameters", tc.name, tc.err, tc.want)
		}
	}
}

func TestValues(t *testing.T) {
	if n, err := Int("f", []any{3.0}, 0, "n"); n != 3 || err != nil {
		t.Errorf("Int(3.0) = %d, %v", n, err)
	}
	if n, err := Int("f", []any{7}, 0, "n"); n != 7 || err != nil {
		t.Errorf("Int(7) = %d, %v", n, err)
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
		if d, err := Duration("f", []any{tc.arg}, 0, "d", tc.ms); d != tc.want || err != nil {
			t.Errorf("Duration(%v) = %v, %v", tc.arg, d, err)
		}
	}
	if rx, err := Regexp("f", []any{"^a+$"}, 0, "rx"); err != nil || !rx.MatchString("aaa") {
		t.Errorf("Regexp: %v", err)
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
