//go:build !unix

package status

import "time"

// rusage has no portable source here; /varz shows cpu and mem as 0.
func rusage() (cpu time.Duration, maxRSSKiB int64) { return 0, 0 }
