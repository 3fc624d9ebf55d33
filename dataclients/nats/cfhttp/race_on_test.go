//go:build race

package cfhttp

// The race detector's instrumentation adds allocations of its own, so
// allocation counts are only checked without it.
const raceEnabled = true
