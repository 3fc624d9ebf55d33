package registration

import (
	"errors"
	"testing"
)

// §4.6, with §18 F27's endpoints E0 (no segment), E1 (iso1), E2 (iso2).
func TestAccept(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mode       ShardingMode
		segments   []string
		e0, e1, e2 bool
	}{
		{name: "all", mode: ShardAll, segments: []string{"iso1"}, e0: true, e1: true, e2: true},
		{name: "zero mode is all", mode: "", segments: []string{"iso1"}, e0: true, e1: true, e2: true},
		{name: "all without segments", mode: ShardAll, e0: true, e1: true, e2: true},
		{name: "shared-and-segments", mode: ShardSharedAndSegments, segments: []string{"iso1"}, e0: true, e1: true},
		{name: "shared-and-segments without segments", mode: ShardSharedAndSegments, e0: true},
		{name: "segments", mode: ShardSegments, segments: []string{"iso1"}, e1: true},
		{name: "segments with both", mode: ShardSegments, segments: []string{"iso2", "iso1"}, e1: true, e2: true},
		{name: "segments listing the empty segment", mode: ShardSegments, segments: []string{"", "iso2"}, e0: true, e2: true},
		{name: "segments are case-sensitive", mode: ShardSegments, segments: []string{"ISO1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, e := range []struct {
				segment string
				want    bool
			}{{"", tc.e0}, {"iso1", tc.e1}, {"iso2", tc.e2}} {
				if got := Accept(tc.mode, tc.segments, e.segment); got != e.want {
					t.Errorf("Accept(%q, %q, %q) = %v, want %v", tc.mode, tc.segments, e.segment, got, e.want)
				}
			}
		})
	}
}

func TestParseShardingMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ShardingMode
		err  error
	}{
		{in: "", want: ShardAll},
		{in: "all", want: ShardAll},
		{in: "shared-and-segments", want: ShardSharedAndSegments},
		{in: "segments", want: ShardSegments},
		{in: "ALL", err: ErrShardingMode},
		{in: "shared_and_segments", err: ErrShardingMode},
		{in: "segment", err: ErrShardingMode},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseShardingMode(tc.in)
			if got != tc.want || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Errorf("ParseShardingMode(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestValidateSharding(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mode     ShardingMode
		segments []string
		err      error
	}{
		{name: "all", mode: ShardAll},
		{name: "zero mode", mode: ""},
		{name: "shared-and-segments without segments", mode: ShardSharedAndSegments},
		{name: "segments", mode: ShardSegments, segments: []string{"iso1"}},
		{name: "segments with only the empty segment", mode: ShardSegments, segments: []string{""}},
		{name: "segments without segments", mode: ShardSegments, err: ErrNoSegments},
		{name: "segments with an empty list", mode: ShardSegments, segments: []string{}, err: ErrNoSegments},
		{name: "unknown mode", mode: "some", err: ErrShardingMode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSharding(tc.mode, tc.segments)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Errorf("ValidateSharding(%q, %q) = %v, want %v", tc.mode, tc.segments, err, tc.err)
			}
		})
	}
}
