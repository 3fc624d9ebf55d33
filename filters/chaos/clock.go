package chaos

import (
	"context"
	"math/rand/v2"
	"time"
)

// clock is where the filters take the time from and wait. Tests replace it
// by one that records the waits and returns at once.
type clock interface {
	now() time.Time
	// sleep waits for d and reports true, or returns false as soon as ctx
	// is done or stop (which may be nil) is closed. A d of zero or less
	// does not wait.
	sleep(ctx context.Context, stop <-chan struct{}, d time.Duration) bool
}

type realClock struct{}

func (realClock) now() time.Time { return time.Now() }

func (realClock) sleep(ctx context.Context, stop <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	}
}

// random is the source of the latency distributions; tests make it
// predictable.
type random interface {
	Float64() float64     // in [0, 1)
	NormFloat64() float64 // standard normal distribution
	Int64N(n int64) int64 // in [0, n), n > 0
}

// globalRandom uses math/rand/v2's functions, which are safe for
// concurrent use.
type globalRandom struct{}

func (globalRandom) Float64() float64     { return rand.Float64() }
func (globalRandom) NormFloat64() float64 { return rand.NormFloat64() }
func (globalRandom) Int64N(n int64) int64 { return rand.Int64N(n) }

// env is what every filter of the package shares.
type env struct {
	clock clock
	rand  random
}

// durationOf converts nanoseconds held in a float64 to a Duration, clamped
// to [0, max Duration] so that no input overflows.
func durationOf(ns float64) time.Duration {
	switch {
	case !(ns > 0): // also NaN
		return 0
	case ns >= float64(1<<63-1):
		return 1<<63 - 1
	}
	return time.Duration(ns)
}
