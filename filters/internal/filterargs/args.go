package filterargs

import (
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

// Errorf returns an error for filter wrapping filters.ErrInvalidFilterParameters.
func Errorf(filter, format string, a ...any) error {
	return fmt.Errorf("%s: %s: %w", filter, fmt.Sprintf(format, a...), filters.ErrInvalidFilterParameters)
}

// Count checks that min <= len(args) <= max.
func Count(filter string, args []any, min, max int) error {
	if len(args) >= min && len(args) <= max {
		return nil
	}
	switch {
	case min == max:
		return Errorf(filter, "want %d argument(s), got %d", min, len(args))
	default:
		return Errorf(filter, "want %d to %d arguments, got %d", min, max, len(args))
	}
}

// String returns args[i] as a string; what names the argument in errors.
func String(filter string, args []any, i int, what string) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", Errorf(filter, "argument %d (%s) must be a string, got %T %v", i+1, what, args[i], args[i])
	}
	return s, nil
}

// NonEmptyString is String that also rejects "".
func NonEmptyString(filter string, args []any, i int, what string) (string, error) {
	s, err := String(filter, args, i, what)
	if err == nil && s == "" {
		err = Errorf(filter, "argument %d (%s) must not be empty", i+1, what)
	}
	return s, err
}

// Int returns args[i] as an integer; numbers from eskip arrive as float64
// and must have no fractional part.
func Int(filter string, args []any, i int, what string) (int, error) {
	switch v := args[i].(type) {
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case int32:
		return int(v), nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int(v), nil
		}
	}
	return 0, Errorf(filter, "argument %d (%s) must be an integer, got %T %v", i+1, what, args[i], args[i])
}

// StatusCode returns args[i] as an HTTP status code (100-999, the range
// net/http can write).
func StatusCode(filter string, args []any, i int) (int, error) {
	c, err := Int(filter, args, i, "status code")
	if err == nil && (c < 100 || c > 999) {
		err = Errorf(filter, "argument %d (status code) out of range 100-999: %d", i+1, c)
	}
	return c, err
}

// Duration returns args[i] as a duration: a time.Duration or a string for
// time.ParseDuration; when millis is true a number counts milliseconds.
func Duration(filter string, args []any, i int, what string, millis bool) (time.Duration, error) {
	switch v := args[i].(type) {
	case time.Duration:
		return v, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, Errorf(filter, "argument %d (%s) %q is not a duration: %v", i+1, what, v, err)
		}
		return d, nil
	case float64, int, int64:
		if millis {
			n, err := Int(filter, args, i, what)
			return time.Duration(n) * time.Millisecond, err
		}
	}
	return 0, Errorf(filter, "argument %d (%s) must be a duration string, got %T %v", i+1, what, args[i], args[i])
}

// Regexp compiles args[i], a string or an already compiled *regexp.Regexp.
func Regexp(filter string, args []any, i int, what string) (*regexp.Regexp, error) {
	switch v := args[i].(type) {
	case *regexp.Regexp:
		return v, nil
	case string:
		rx, err := regexp.Compile(v)
		if err != nil {
			return nil, Errorf(filter, "argument %d (%s) %q is not a valid regexp: %v", i+1, what, v, err)
		}
		return rx, nil
	}
	return nil, Errorf(filter, "argument %d (%s) must be a regexp string, got %T %v", i+1, what, args[i], args[i])
}
