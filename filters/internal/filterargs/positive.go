package filterargs

import (
	"math"
	"time"
)

// PositiveInt returns a, argument i of filter, as a whole number from 1 to
// math.MaxInt32. Unlike Int it takes the value itself, for filters whose
// arguments shift position.
func PositiveInt(filter string, i int, a any) (int, error) {
	var f float64
	switch v := a.(type) {
	case float64:
		f = v
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	default:
		return 0, Errorf(filter, "argument %d must be a number, got %v", i+1, a)
	}
	if f < 1 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, Errorf(filter, "argument %d must be a positive integer, got %v", i+1, a)
	}
	return int(f), nil
}

// PositiveDuration returns a, argument i of filter, as a duration above zero:
// a Go duration string, a time.Duration, or a number counting unit (the
// filters differ: some count milliseconds, some seconds).
func PositiveDuration(filter string, i int, a any, unit time.Duration) (time.Duration, error) {
	var d time.Duration
	switch v := a.(type) {
	case string:
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, Errorf(filter, "argument %d: %v", i+1, err)
		}
	case time.Duration:
		d = v
	case float64:
		d = time.Duration(v * float64(unit))
	case int:
		d = time.Duration(v) * unit
	default:
		return 0, Errorf(filter, "argument %d must be a duration or a number of %s, got %v", i+1, unitName(unit), a)
	}
	if d <= 0 {
		return 0, Errorf(filter, "argument %d must be a positive duration, got %v", i+1, a)
	}
	return d, nil
}

func unitName(unit time.Duration) string {
	switch unit {
	case time.Millisecond:
		return "milliseconds"
	case time.Second:
		return "seconds"
	}
	return "units of " + unit.String()
}
