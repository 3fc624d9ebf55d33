package cron

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/specargs"
)

func TestCron(t *testing.T) {
	// 2026-11-23 is a Monday.
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range []struct {
		expr string
		now  string
		want bool
	}{
		{"* * * * *", "2026-11-23 10:00", true},
		{"0 * * * *", "2026-11-23 10:00", true},
		{"0 * * * *", "2026-11-23 10:01", false},
		{"*/15 * * * *", "2026-11-23 10:45", true},
		{"*/15 * * * *", "2026-11-23 10:46", false},
		{"5/15 * * * *", "2026-11-23 10:20", true},
		{"* 9-17 * * mon-fri", "2026-11-23 17:59", true},
		{"* 9-17 * * mon-fri", "2026-11-23 18:00", false},
		{"* 9-17 * * 1-5", "2026-11-22 12:00", false}, // Sunday
		{"* * * * 0", "2026-11-22 12:00", true},
		{"* * * * 7", "2026-11-22 12:00", true},
		{"* * * * SUN", "2026-11-22 12:00", true},
		{"* * 23 nov *", "2026-11-23 00:00", true},
		{"* * 23 11 *", "2026-12-23 00:00", false},
		{"0,30 8,20 * * *", "2026-11-23 20:30", true},
		{"0,30 8,20 * * *", "2026-11-23 20:31", false},
		{"* * 1-7 * mon", "2026-11-23 10:00", false}, // both day fields must match
		{"* * 1-7 * mon", "2026-12-07 10:00", true},
	} {
		now := at(tc.now)
		p, err := New(Options{Now: func() time.Time { return now }}).Create([]any{tc.expr})
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		if got := p.Match(httptest.NewRequest("GET", "/", nil)); got != tc.want {
			t.Errorf("%q at %s: %v, want %v", tc.expr, tc.now, got, tc.want)
		}
	}
}

func TestBadArgs(t *testing.T) {
	for _, a := range [][]any{
		nil, {1.0}, {"* * * *"}, {"* * * * * *"}, {"60 * * * *"}, {"* 24 * * *"}, {"* * 0 * *"},
		{"* * * 13 *"}, {"* * * * 8"}, {"*/0 * * * *"}, {"5-1 * * * *"}, {"x * * * *"}, {"* * * * mon-"},
		{"* * * * *", "* * * * *"},
	} {
		if _, err := New(Options{}).Create(a); !errors.Is(err, specargs.ErrInvalidPredicateParameters) {
			t.Errorf("Cron%v: err %v, want ErrInvalid", a, err)
		}
	}
	_, err := New(Options{}).Create([]any{"* 25 * * *"})
	if want := `Cron: "* 25 * * *": hour field "25": "25" is not a value from 0 to 23: invalid predicate parameters`; err.Error() != want {
		t.Errorf("got %q", err)
	}
}

func TestNoAllocs(t *testing.T) {
	p, _ := New(Options{}).Create([]any{"* 9-17 * * mon-fri"})
	r := httptest.NewRequest("GET", "/", nil)
	if n := testing.AllocsPerRun(100, func() { p.Match(r) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
