package args

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// ErrInvalid is wrapped by every argument error of the built-in predicates.
var ErrInvalid = errors.New("invalid predicate parameters")

// Errorf returns an error wrapping ErrInvalid, prefixed with the predicate name.
func Errorf(name, format string, a ...any) error {
	return fmt.Errorf("%s: %s: %w", name, fmt.Sprintf(format, a...), ErrInvalid)
}

// Count fails unless min <= len(a) <= max (max < 0: no upper limit).
func Count(name string, a []any, min, max int) error {
	if len(a) < min || (max >= 0 && len(a) > max) {
		switch {
		case max < 0:
			return Errorf(name, "expects at least %d argument(s), got %d", min, len(a))
		case min == max:
			return Errorf(name, "expects %d argument(s), got %d", min, len(a))
		default:
			return Errorf(name, "expects %d to %d arguments, got %d", min, max, len(a))
		}
	}
	return nil
}

// String returns argument i as a string.
func String(name string, a []any, i int) (string, error) {
	s, ok := a[i].(string)
	if !ok {
		return "", Errorf(name, "argument %d (%v) must be a string", i+1, a[i])
	}
	return s, nil
}

// NonEmpty returns argument i as a non-empty string.
func NonEmpty(name string, a []any, i int) (string, error) {
	s, err := String(name, a, i)
	if err == nil && s == "" {
		err = Errorf(name, "argument %d must not be empty", i+1)
	}
	return s, err
}

// Number returns argument i as a float64. Integer types are accepted for
// routes built in Go.
func Number(name string, a []any, i int) (float64, error) {
	switch v := a[i].(type) {
	case float64:
		return v, nil
	case float32:
		return float64(v), nil
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case int32:
		return float64(v), nil
	}
	return 0, Errorf(name, "argument %d (%v) must be a number", i+1, a[i])
}

// Regexp compiles argument i.
func Regexp(name string, a []any, i int) (*regexp.Regexp, error) {
	s, err := String(name, a, i)
	if err != nil {
		return nil, err
	}
	rx, err := regexp.Compile(s)
	if err != nil {
		return nil, Errorf(name, "argument %d (%q) is not a valid regular expression: %v", i+1, s, err)
	}
	return rx, nil
}

// Prefix parses argument i as an IP address (a single-address prefix) or a
// CIDR. IPv4-mapped IPv6 addresses are unmapped so they match IPv4 clients.
func Prefix(name string, a []any, i int) (netip.Prefix, error) {
	s, err := String(name, a, i)
	if err != nil {
		return netip.Prefix{}, err
	}
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, Errorf(name, "argument %d (%q) is not an IP address or CIDR", i+1, s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, Errorf(name, "argument %d (%q) is not an IP address or CIDR", i+1, s)
	}
	addr = addr.Unmap().WithZone("")
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}
