package cfhttp

import (
	"testing"
	"time"
)

func TestNewRequestID(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		id := NewRequestID()
		if len(id) != 36 {
			t.Fatalf("%q: length %d", id, len(id))
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch i {
			case 8, 13, 18, 23:
				if c != '-' {
					t.Fatalf("%q: byte %d is %q, want '-'", id, i, c)
				}
			default:
				if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
					t.Fatalf("%q: byte %d is %q, not lower-case hex", id, i, c)
				}
			}
		}
		if id[14] != '4' {
			t.Fatalf("%q: version nibble %q, want '4'", id, id[14])
		}
		if v := id[19]; v != '8' && v != '9' && v != 'a' && v != 'b' {
			t.Fatalf("%q: variant nibble %q, want one of 89ab", id, v)
		}
		if !isGUID(id) {
			t.Fatalf("%q is not accepted as a GUID by the instance-header check", id)
		}
		if seen[id] {
			t.Fatalf("%q repeated", id)
		}
		seen[id] = true
	}
}

func TestNewRequestIDAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	if n := testing.AllocsPerRun(100, func() { _ = NewRequestID() }); n > 1 {
		t.Errorf("%v allocations, want at most 1", n)
	}
}

func TestRequestStart(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.UnixMilli(1764474000123), "1764474000123"},
		{time.Date(2026, 11, 30, 3, 39, 6, 999_999_999, time.UTC), "1796009946999"},
		{time.Unix(0, 0), "0"},
	} {
		if got := RequestStart(tt.t); got != tt.want {
			t.Errorf("RequestStart(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
	if got := RequestStart(time.Now()); len(got) != 13 {
		t.Errorf("RequestStart(now) = %q, want 13 digits", got)
	}
}
