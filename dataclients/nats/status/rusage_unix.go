//go:build unix

package status

import (
	"syscall"
	"time"
)

// rusage returns the process's CPU time (user + system) and its maximum
// resident set size in KiB, as /varz reports "mem".
func rusage() (cpu time.Duration, maxRSSKiB int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	maxRSSKiB = int64(ru.Maxrss)
	if maxRSSInBytes {
		maxRSSKiB /= 1024
	}
	return cpu, maxRSSKiB
}
