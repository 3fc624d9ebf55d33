package interval

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

func TestMatch(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	// 2026-11-23T10:00:00Z is unix 1795428000.
	for _, tc := range []struct {
		spec func(Options) routing.PredicateSpec
		args []any
		now  string
		want bool
	}{
		{NewAfter, []any{"2026-11-23T10:00:00Z"}, "2026-11-23T09:59:59Z", false},
		{NewAfter, []any{"2026-11-23T10:00:00Z"}, "2026-11-23T10:00:00Z", true},
		{NewAfter, []any{"2026-11-23T11:00:00+01:00"}, "2026-11-23T10:00:00Z", true},
		{NewAfter, []any{"2026-11-23T11:00:00", "Europe/Berlin"}, "2026-11-23T09:59:59Z", false},
		{NewAfter, []any{"2026-11-23T11:00:00", "Europe/Berlin"}, "2026-11-23T10:00:00Z", true},
		{NewAfter, []any{1795428000.0}, "2026-11-23T10:00:00Z", true},
		{NewAfter, []any{1795428000.9}, "2026-11-23T09:59:59Z", false},
		{NewBefore, []any{"2026-11-23T10:00:00Z"}, "2026-11-23T09:59:59Z", true},
		{NewBefore, []any{"2026-11-23T10:00:00Z"}, "2026-11-23T10:00:00Z", false},
		{NewBefore, []any{"2026-11-23T05:00:00", "America/New_York"}, "2026-11-23T09:59:59Z", true},
		{NewBefore, []any{"2026-11-23T05:00:00", "America/New_York"}, "2026-11-23T10:00:00Z", false},
		{NewBefore, []any{1795428000.0}, "2026-11-23T10:00:00Z", false},
		{NewBetween, []any{"2026-11-23T10:00:00Z", "2026-11-23T12:00:00Z"}, "2026-11-23T09:59:59Z", false},
		{NewBetween, []any{"2026-11-23T10:00:00Z", "2026-11-23T12:00:00Z"}, "2026-11-23T10:00:00Z", true},
		{NewBetween, []any{"2026-11-23T10:00:00Z", "2026-11-23T12:00:00Z"}, "2026-11-23T11:59:59Z", true},
		{NewBetween, []any{"2026-11-23T10:00:00Z", "2026-11-23T12:00:00Z"}, "2026-11-23T12:00:00Z", false},
		{NewBetween, []any{"2026-11-23T11:00:00", "2026-11-23T13:00:00", "Europe/Berlin"}, "2026-11-23T10:30:00Z", true},
		{NewBetween, []any{"2026-11-23T11:00:00", "2026-11-23T13:00:00", "Europe/Berlin"}, "2026-11-23T12:00:00Z", false},
		{NewBetween, []any{1795428000.0, 1795428060.0}, "2026-11-23T10:00:59Z", true},
		{NewBetween, []any{1795428000.0, 1795428060.0}, "2026-11-23T10:01:00Z", false},
	} {
		now := at(tc.now)
		spec := tc.spec(Options{Now: func() time.Time { return now }})
		p, err := spec.Create(tc.args)
		if err != nil {
			t.Fatalf("%s%v: %v", spec.Name(), tc.args, err)
		}
		if got := p.Match(httptest.NewRequest("GET", "/", nil)); got != tc.want {
			t.Errorf("%s%v at %s: %v, want %v", spec.Name(), tc.args, tc.now, got, tc.want)
		}
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		spec func(Options) routing.PredicateSpec
		args []any
		msg  string
	}{
		{NewAfter, nil, "After: expects 1 to 2 arguments, got 0"},
		{NewAfter, []any{"a", "b", "c"}, "After: expects 1 to 2 arguments, got 3"},
		{NewAfter, []any{"2026-11-23"}, `After: argument 1 ("2026-11-23") is not an RFC 3339 time`},
		{NewAfter, []any{"2026-11-23T10:00:00Z", "Europe/Berlin"}, `After: argument 1 ("2026-11-23T10:00:00Z") is not a time of the form 2006-01-02T15:04:05`},
		{NewAfter, []any{"2026-11-23T10:00:00", "Mars/Olympus"}, `After: argument 2 ("Mars/Olympus") is not a known time zone`},
		{NewAfter, []any{"2026-11-23T10:00:00", ""}, `After: argument 2 must not be empty`},
		{NewAfter, []any{"2026-11-23T10:00:00", 1.0}, `After: argument 2 (1) must be a string`},
		{NewAfter, []any{1.0, "UTC"}, `After: argument 1 (1) must be a string when a time zone is given`},
		{NewAfter, []any{true}, `After: argument 1 (true) must be a time string or unix seconds`},
		{NewBefore, []any{"tomorrow"}, `Before: argument 1 ("tomorrow") is not an RFC 3339 time`},
		{NewBetween, []any{"2026-11-23T10:00:00Z"}, "Between: expects 2 to 3 arguments, got 1"},
		{NewBetween, []any{"2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z"}, "Between: from (2026-11-23T10:00:00Z) must be before till (2026-11-23T10:00:00Z)"},
		{NewBetween, []any{2.0, 1.0}, "Between: from (2) must be before till (1)"},
		{NewBetween, []any{"2026-11-23T10:00:00Z", "x"}, `Between: argument 2 ("x") is not an RFC 3339 time`},
		{NewBetween, []any{"2026-11-23T10:00:00", "2026-11-23T11:00:00", "Nowhere"}, `Between: argument 3 ("Nowhere") is not a known time zone`},
	} {
		_, err := tc.spec(Options{}).Create(tc.args)
		if !errors.Is(err, specargs.ErrInvalidPredicateParameters) {
			t.Errorf("%v: err %v, want ErrInvalid", tc.args, err)
			continue
		}
		if got := err.Error(); len(got) < len(tc.msg) || got[:len(tc.msg)] != tc.msg {
			t.Errorf("%v: error %q, want prefix %q", tc.args, got, tc.msg)
		}
	}
}

func TestDefaultClock(t *testing.T) {
	p, err := NewBefore(Options{}).Create([]any{float64(time.Now().Add(time.Hour).Unix())})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Match(httptest.NewRequest("GET", "/", nil)) {
		t.Fatal("Before(now+1h) did not match with the real clock")
	}
}

func TestNoAllocs(t *testing.T) {
	p, _ := NewBetween(Options{}).Create([]any{0.0, 4e9})
	r := httptest.NewRequest("GET", "/", nil)
	if n := testing.AllocsPerRun(100, func() { p.Match(r) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
