package registration

import (
	"errors"
	"fmt"
	"slices"
)

// ShardingMode is routing_table_sharding_mode (§4.6): which isolation
// segments' endpoints this router takes.
type ShardingMode string

const (
	// ShardAll takes every endpoint; it is the default, and the zero
	// ShardingMode means it too.
	ShardAll ShardingMode = "all"
	// ShardSharedAndSegments takes endpoints without an isolation
	// segment and those of the listed segments.
	ShardSharedAndSegments ShardingMode = "shared-and-segments"
	// ShardSegments takes only endpoints of the listed segments.
	ShardSegments ShardingMode = "segments"
)

// Errors of the sharding configuration, which ParseShardingMode and
// ValidateSharding wrap.
var (
	ErrShardingMode = errors.New("unknown routing_table_sharding_mode")
	ErrNoSegments   = errors.New("no isolation_segments for routing_table_sharding_mode segments")
)

const shardingModeList = "all, shared-and-segments or segments"

// ParseShardingMode reads a configured routing_table_sharding_mode; the
// empty string is the default, ShardAll (§15). Modes are matched exactly,
// as gorouter's configuration does.
func ParseShardingMode(s string) (ShardingMode, error) {
	switch m := ShardingMode(s); m {
	case "":
		return ShardAll, nil
	case ShardAll, ShardSharedAndSegments, ShardSegments:
		return m, nil
	}
	return "", fmt.Errorf("%w %q: expected %s", ErrShardingMode, s, shardingModeList)
}

// ValidateSharding checks a mode with its isolation_segments (§4.6): the
// mode must be known, and segments mode needs at least one segment (an
// empty list would take no endpoint at all). The list may hold "", which
// stands for endpoints without a segment.
func ValidateSharding(mode ShardingMode, segments []string) error {
	switch mode {
	case "", ShardAll, ShardSharedAndSegments:
		return nil
	case ShardSegments:
		if len(segments) == 0 {
			return fmt.Errorf("%w: expected at least one segment", ErrNoSegments)
		}
		return nil
	}
	return fmt.Errorf("%w %q: expected %s", ErrShardingMode, string(mode), shardingModeList)
}

// Accept says whether an endpoint with the given isolation_segment is
// taken under mode and segments (§4.6). The filter applies to register and
// unregister alike, and a message it refuses is ignored without a log.
// Any mode but the two filtering ones takes everything, ShardAll and the
// zero mode included.
func Accept(mode ShardingMode, segments []string, isolationSegment string) bool {
	switch mode {
	case ShardSharedAndSegments:
		return isolationSegment == "" || slices.Contains(segments, isolationSegment)
	case ShardSegments:
		// An endpoint without a segment only when "" is listed.
		return slices.Contains(segments, isolationSegment)
	}
	return true
}
