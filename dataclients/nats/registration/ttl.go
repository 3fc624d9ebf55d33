package registration

import (
	"math"
	"time"
)

// TTL is the time an endpoint stays registered without a refresh (§6.2):
// stale_threshold_in_seconds can only shorten defaultTTL (the
// droplet_stale_threshold). 0 gives the default, as does any value above
// it; a value from 1 up to the default is used as it is. A negative value
// is kept (QUIRK, §6.2): the endpoint is already stale and goes at the next
// prune tick.
func TTL(staleThresholdSeconds int, defaultTTL time.Duration) time.Duration {
	s := int64(staleThresholdSeconds)
	switch {
	case s == 0:
		return defaultTTL
	case s > 0:
		// Compared in whole seconds so that no value overflows: s is
		// at most the default exactly when it is at most the default's
		// whole seconds.
		if s > int64(defaultTTL/time.Second) {
			return defaultTTL
		}
		return time.Duration(s) * time.Second
	case s < math.MinInt64/int64(time.Second):
		// Stale either way; saturate rather than wrap to a positive
		// duration.
		return math.MinInt64
	default:
		return time.Duration(s) * time.Second
	}
}
