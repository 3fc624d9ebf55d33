package chaos

import (
	"math"
	"time"

	"github.com/skiff-proxy/skiff/filters/specargs"
)

// maxMillis is the largest number of milliseconds a Duration holds.
const maxMillis = float64(math.MaxInt64 / int64(time.Millisecond))

// duration reads argument i as skipper's diagnostic filters take their
// durations: a number of milliseconds, a string for time.ParseDuration
// ("120ms", "0"), or, from Go, a time.Duration. It must not be negative.
// Unlike skipper, a fraction of a millisecond is kept (skipper truncates
// 1.5 to 1ms) and an integer from Go counts milliseconds (skipper reads
// it as 0).
func duration(a specargs.Args, i int, what string) (time.Duration, error) {
	var d time.Duration
	switch v := a.At(i).(type) {
	case string:
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, a.Errorf("argument %d (%s) %q is not a duration: %v", i+1, what, v, err)
		}
	case time.Duration:
		d = v
	default:
		ms, ok := specargs.AsNumber(v)
		if !ok {
			return 0, a.Errorf("argument %d (%s) must be a duration string or a number of milliseconds, got %T %v", i+1, what, v, v)
		}
		if math.IsNaN(ms) || math.Abs(ms) > maxMillis {
			return 0, a.Errorf("argument %d (%s) out of range: %v", i+1, what, v)
		}
		d = time.Duration(ms * float64(time.Millisecond))
	}
	if d < 0 {
		return 0, a.Errorf("argument %d (%s) must not be negative, got %v", i+1, what, a.At(i))
	}
	return d, nil
}

// positive reads argument i as a finite number above zero.
func positive(a specargs.Args, i int, what string) (float64, error) {
	f, err := a.Number(i, what)
	if err != nil {
		return 0, err
	}
	if !(f > 0) || math.IsInf(f, 1) {
		return 0, a.Errorf("argument %d (%s) must be a number above zero, got %v", i+1, what, a.At(i))
	}
	return f, nil
}
