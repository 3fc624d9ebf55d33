//go:build unix

package respwriter

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process used so far: on a loaded machine it
// says more about a benchmark's cost than wall time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
