package filterargs

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

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
		{float64(math.MaxInt32) + 1, 0, "argument 2 must be a positive integer"},
	} {
		n, err := PositiveInt("f", 1, tc.arg)
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
		d, err := PositiveDuration("f", 0, tc.arg, tc.unit)
		checkArg(t, tc.arg, err, tc.err)
		if d != tc.want {
			t.Errorf("PositiveDuration(%v, %v) = %v, want %v", tc.arg, tc.unit, d, tc.want)
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
