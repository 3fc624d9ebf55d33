package healthcheck

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Keys of -passive-health-check, in the order errors list them.
const (
	keyPeriod       = "period"
	keyMinRequests  = "min-requests"
	keyMaxDrop      = "max-drop-probability"
	keyMinDrop      = "min-drop-probability"
	keyMaxUnhealthy = "max-unhealthy-endpoints-ratio"
)

var (
	passiveKeys     = []string{keyPeriod, keyMinRequests, keyMaxDrop, keyMinDrop, keyMaxUnhealthy}
	passiveRequired = []string{keyPeriod, keyMinRequests, keyMaxDrop}
)

// ParsePassive parses the value of -passive-health-check, a comma
// separated list of key=value pairs as skipper reads it:
//
//	period=<duration>,min-requests=<n>,max-drop-probability=<p>
//	[,min-drop-probability=<p>][,max-unhealthy-endpoints-ratio=<r>]
//
// period, min-requests and max-drop-probability are required;
// min-drop-probability defaults to 0 and max-unhealthy-endpoints-ratio to
// 1. Spaces around keys and values are ignored and a repeated key's last
// value wins, as in skipper. "" (the flag not given) returns nil: the
// check is off.
//
// Constraints: period > 0, min-requests >= 0, 0 <= min-drop-probability <
// max-drop-probability <= 1, 0 <= max-unhealthy-endpoints-ratio <= 1.
// skipper accepts period=0; skiff rejects it, because the statistics loop
// would then run without pause.
func ParsePassive(s string) (*PassiveConfig, error) {
	if s == "" {
		return nil, nil
	}
	c := &PassiveConfig{MinDropProbability: 0, MaxUnhealthyEndpointsRatio: 1}
	seen := map[string]bool{}
	for pair := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, passiveErr("expected key=value, got %q", pair)
		}
		if err := c.set(k, v); err != nil {
			return nil, err
		}
		seen[k] = true
	}
	var missing []string
	for _, k := range passiveRequired {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, passiveErr("missing required %s", strings.Join(missing, ", "))
	}
	if c.MinDropProbability >= c.MaxDropProbability {
		return nil, passiveErr("%s (%g) must be less than %s (%g)",
			keyMinDrop, c.MinDropProbability, keyMaxDrop, c.MaxDropProbability)
	}
	return c, nil
}

// set parses one key's value into c.
func (c *PassiveConfig) set(k, v string) error {
	switch k {
	case keyPeriod:
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return passiveErr("%s: expected a duration greater than 0 (like 10s), got %q", k, v)
		}
		c.Period = d
	case keyMinRequests:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return passiveErr("%s: expected a whole number >= 0, got %q", k, v)
		}
		c.MinRequests = n
	case keyMaxDrop, keyMinDrop, keyMaxUnhealthy:
		p, err := strconv.ParseFloat(v, 64)
		// Written so that NaN, which fails every comparison, is rejected
		// (skipper lets it through).
		if err != nil || !(p >= 0 && p <= 1) {
			return passiveErr("%s: expected a number from 0 to 1, got %q", k, v)
		}
		switch k {
		case keyMaxDrop:
			c.MaxDropProbability = p
		case keyMinDrop:
			c.MinDropProbability = p
		default:
			c.MaxUnhealthyEndpointsRatio = p
		}
	default:
		return passiveErr("unknown key %q (known: %s)", k, strings.Join(passiveKeys, ", "))
	}
	return nil
}

func passiveErr(format string, args ...any) error {
	return fmt.Errorf("passive health check: "+format, args...)
}
