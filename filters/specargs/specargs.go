package specargs

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

// ErrInvalidPredicateParameters is wrapped by every error of Args made with
// Predicate; package predicates exports it under the same name.
var ErrInvalidPredicateParameters = errors.New("invalid predicate parameters")

// Args is the argument list of one filter or predicate, with its name for
// the errors. The methods take the 0-based index of an argument (errors
// count from 1) and, where errors of filters name it, a short description
// of it (what). They do not check the index: call Count first.
//
// The wording of errors differs slightly between the two kinds, as it
// always has: filters say "want 2 argument(s)" and name the argument
// ("argument 1 (path) must be a string, got float64 3"), predicates say
// "expects 2 argument(s)" and show the value ("argument 1 (3) must be a
// string").
type Args struct {
	name string
	list []any
	pred bool
}

// Filter returns the arguments of the filter name.
func Filter(name string, args []any) Args { return Args{name: name, list: args} }

// Predicate returns the arguments of the predicate name.
func Predicate(name string, args []any) Args { return Args{name: name, list: args, pred: true} }

// Name is the filter's or predicate's name.
func (a Args) Name() string { return a.name }

// Len is the number of arguments.
func (a Args) Len() int { return len(a.list) }

// At is argument i as it was given.
func (a Args) At(i int) any { return a.list[i] }

// Errorf returns an error "name: message" wrapping the kind's sentinel
// error.
func (a Args) Errorf(format string, v ...any) error {
	sentinel := filters.ErrInvalidFilterParameters
	if a.pred {
		sentinel = ErrInvalidPredicateParameters
	}
	return fmt.Errorf("%s: %s: %w", a.name, fmt.Sprintf(format, v...), sentinel)
}

// Count fails unless min <= Len() <= max; max < 0 means no upper limit.
func (a Args) Count(min, max int) error {
	n := len(a.list)
	if n >= min && (max < 0 || n <= max) {
		return nil
	}
	verb := "want"
	if a.pred {
		verb = "expects"
	}
	switch {
	case max < 0:
		return a.Errorf("%s at least %d argument(s), got %d", verb, min, n)
	case min == max:
		return a.Errorf("%s %d argument(s), got %d", verb, min, n)
	default:
		return a.Errorf("%s %d to %d arguments, got %d", verb, min, max, n)
	}
}

// typeError says argument i must be of the kind want ("a string").
func (a Args) typeError(i int, what, want string) error {
	v := a.list[i]
	if a.pred {
		return a.Errorf("argument %d (%v) must be %s", i+1, v, want)
	}
	return a.Errorf("argument %d (%s) must be %s, got %T %v", i+1, what, want, v, v)
}

// String returns argument i, which must be a string.
func (a Args) String(i int, what string) (string, error) {
	s, ok := a.list[i].(string)
	if !ok {
		return "", a.typeError(i, what, "a string")
	}
	return s, nil
}

// NonEmptyString returns argument i, which must be a string other than "".
func (a Args) NonEmptyString(i int, what string) (string, error) {
	s, err := a.String(i, what)
	if err == nil && s == "" {
		if a.pred {
			err = a.Errorf("argument %d must not be empty", i+1)
		} else {
			err = a.Errorf("argument %d (%s) must not be empty", i+1, what)
		}
	}
	return s, err
}

// AsNumber converts v to a float64 when it is a number: a float64 (as eskip
// delivers them, NaN and infinities included) or, for routes built in Go,
// a float32, int, int64 or int32.
func AsNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	}
	return 0, false
}

// Number returns argument i, which must be a number (see AsNumber).
func (a Args) Number(i int, what string) (float64, error) {
	f, ok := AsNumber(a.list[i])
	if !ok {
		return 0, a.typeError(i, what, "a number")
	}
	return f, nil
}

// Int returns argument i as an integer: an int, int64 or int32, or a
// float64 without fractional part and below 2^53 in magnitude (where every
// integer is exact).
func (a Args) Int(i int, what string) (int, error) {
	switch v := a.list[i].(type) {
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
	return 0, a.typeError(i, what, "an integer")
}

// PositiveInt returns argument i as a whole number from 1 to
// math.MaxInt32.
func (a Args) PositiveInt(i int) (int, error) {
	v := a.list[i]
	f, ok := AsNumber(v)
	if !ok {
		return 0, a.Errorf("argument %d must be a number, got %v", i+1, v)
	}
	if f < 1 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, a.Errorf("argument %d must be a positive integer, got %v", i+1, v)
	}
	return int(f), nil
}

// StatusCode returns argument i as an HTTP status code from 100 to 999,
// the range net/http can write.
func (a Args) StatusCode(i int) (int, error) {
	c, err := a.Int(i, "status code")
	if err == nil && (c < 100 || c > 999) {
		err = a.Errorf("argument %d (status code) out of range 100-999: %d", i+1, c)
	}
	return c, err
}

// Duration returns argument i as a duration: a string for
// time.ParseDuration or a time.Duration; with millis, also a whole number
// of milliseconds (as Int accepts it).
func (a Args) Duration(i int, what string, millis bool) (time.Duration, error) {
	switch v := a.list[i].(type) {
	case time.Duration:
		return v, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			if a.pred {
				return 0, a.Errorf("argument %d (%q) is not a duration: %v", i+1, v, err)
			}
			return 0, a.Errorf("argument %d (%s) %q is not a duration: %v", i+1, what, v, err)
		}
		return d, nil
	case float64, int, int64:
		if millis {
			n, err := a.Int(i, what)
			return time.Duration(n) * time.Millisecond, err
		}
	}
	return 0, a.typeError(i, what, "a duration string")
}

// PositiveDuration returns argument i as a duration above zero: a string
// for time.ParseDuration, a time.Duration, or a number counting unit
// (filters differ: some count milliseconds, some seconds).
func (a Args) PositiveDuration(i int, unit time.Duration) (time.Duration, error) {
	var d time.Duration
	switch v := a.list[i].(type) {
	case string:
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, a.Errorf("argument %d: %v", i+1, err)
		}
	case time.Duration:
		d = v
	case int:
		d = time.Duration(v) * unit
	default:
		f, ok := AsNumber(v)
		if !ok {
			return 0, a.Errorf("argument %d must be a duration or a number of %s, got %v", i+1, unitName(unit), v)
		}
		d = time.Duration(f * float64(unit))
	}
	if d <= 0 {
		return 0, a.Errorf("argument %d must be a positive duration, got %v", i+1, a.list[i])
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

// Regexp compiles argument i, a string; a filter's argument may also be a
// compiled *regexp.Regexp.
func (a Args) Regexp(i int, what string) (*regexp.Regexp, error) {
	switch v := a.list[i].(type) {
	case *regexp.Regexp:
		if !a.pred {
			return v, nil
		}
	case string:
		rx, err := regexp.Compile(v)
		if err != nil {
			if a.pred {
				return nil, a.Errorf("argument %d (%q) is not a valid regular expression: %v", i+1, v, err)
			}
			return nil, a.Errorf("argument %d (%s) %q is not a valid regexp: %v", i+1, what, v, err)
		}
		return rx, nil
	}
	if a.pred {
		return nil, a.typeError(i, what, "a string")
	}
	return nil, a.typeError(i, what, "a regexp string")
}

// Prefix parses argument i as an IP address (a single-address prefix) or a
// CIDR. IPv4-mapped IPv6 addresses are unmapped so they match IPv4
// clients; a zone is dropped.
func (a Args) Prefix(i int, what string) (netip.Prefix, error) {
	s, err := a.String(i, what)
	if err != nil {
		return netip.Prefix{}, err
	}
	s = strings.TrimSpace(s)
	bad := func() error {
		if a.pred {
			return a.Errorf("argument %d (%q) is not an IP address or CIDR", i+1, s)
		}
		return a.Errorf("argument %d (%s) %q is not an IP address or CIDR", i+1, what, s)
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, bad()
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, bad()
	}
	addr = addr.Unmap().WithZone("")
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}

// Flag reads the one argument of a filter or predicate that takes the
// string "true" or "false".
func (a Args) Flag() (bool, error) {
	if err := a.Count(1, 1); err != nil {
		return false, err
	}
	v, err := a.String(0, `"true" or "false"`)
	if err != nil {
		return false, err
	}
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, a.Errorf(`argument 1 must be "true" or "false", got %q`, v)
}
