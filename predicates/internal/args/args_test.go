package args

import (
	"errors"
	"net/netip"
	"testing"
)

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n, min, max int
		want        string
	}{
		{0, 1, -1, "P: expects at least 1 argument(s), got 0: invalid predicate parameters"},
		{3, 2, 2, "P: expects 2 argument(s), got 3: invalid predicate parameters"},
		{0, 1, 2, "P: expects 1 to 2 arguments, got 0: invalid predicate parameters"},
		{2, 1, 2, ""},
		{9, 1, -1, ""},
	} {
		err := Count("P", make([]any, tc.n), tc.min, tc.max)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%d args in [%d,%d]: %v", tc.n, tc.min, tc.max, err)
			}
			continue
		}
		if err == nil || err.Error() != tc.want || !errors.Is(err, ErrInvalid) {
			t.Errorf("%d args in [%d,%d]: %v, want %q", tc.n, tc.min, tc.max, err, tc.want)
		}
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
		p, err := Prefix("P", []any{tc.arg}, 0)
		if err != nil || p != netip.MustParsePrefix(tc.want) {
			t.Errorf("%v: %v %v, want %s", tc.arg, p, err, tc.want)
		}
	}
	for _, bad := range []any{"", "x", "10.0.0.0/33", "1.2.3.4.5", 3.0} {
		if _, err := Prefix("P", []any{bad}, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, v := range []any{1.5, float32(1.5), 2, int64(2), int32(2)} {
		if _, err := Number("P", []any{v}, 0); err != nil {
			t.Errorf("%T: %v", v, err)
		}
	}
	if _, err := Number("P", []any{"1"}, 0); !errors.Is(err, ErrInvalid) {
		t.Error("string accepted as number")
	}
}
