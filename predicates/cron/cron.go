package cron

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Name of the predicate.
const Name = "Cron"

// Options configure the spec.
type Options struct {
	// Now returns the current time, whose location is the one the mask is
	// read in. Default time.Now (local time).
	Now func() time.Time
}

type field struct {
	name     string
	min, max int
	names    []string // names for min, min+1, ...
}

var fields = [5]field{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 7, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

type spec struct{ now func() time.Time }

// New returns the Cron spec.
func New(o Options) routing.PredicateSpec {
	if o.Now == nil {
		o.Now = time.Now
	}
	return spec{o.Now}
}

func (spec) Name() string { return Name }

func (s spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(Name, a)
	if err := args.Count(1, 1); err != nil {
		return nil, err
	}
	expr, err := args.String(0, "cron expression")
	if err != nil {
		return nil, err
	}
	parts := strings.Fields(expr)
	if len(parts) != len(fields) {
		return nil, args.Errorf("%q must have 5 fields (minute hour day-of-month month day-of-week), has %d", expr, len(parts))
	}
	p := &predicate{now: s.now}
	for i, part := range parts {
		m, err := parseField(fields[i], part)
		if err != nil {
			return nil, args.Errorf("%q: %s field %q: %v", expr, fields[i].name, part, err)
		}
		p.masks[i] = m
	}
	// 7 is another name for Sunday.
	if p.masks[4]&(1<<7) != 0 {
		p.masks[4] |= 1
	}
	return p, nil
}

type errString string

func (e errString) Error() string { return string(e) }

// parseField reads a comma-separated list of "*", "n", "a-b", each with an
// optional "/step", into a bit mask.
func parseField(f field, s string) (uint64, error) {
	var mask uint64
	for _, item := range strings.Split(s, ",") {
		rng, stepStr, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n < 1 {
				return 0, errString("bad step " + strconv.Quote(stepStr))
			}
			step = n
		}
		lo, hi := f.min, f.max
		if rng != "*" {
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = value(f, a); err != nil {
				return 0, err
			}
			hi = lo
			if isRange {
				if hi, err = value(f, b); err != nil {
					return 0, err
				}
			} else if hasStep {
				hi = f.max // "5/15" means from 5 on, every 15
			}
			if lo > hi {
				return 0, errString("range " + strconv.Quote(rng) + " is backwards")
			}
		}
		for v := lo; v <= hi; v += step {
			mask |= 1 << v
		}
	}
	return mask, nil
}

func value(f field, s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < f.min || v > f.max {
		return 0, errString(strconv.Quote(s) + " is not a value from " + strconv.Itoa(f.min) + " to " + strconv.Itoa(f.max))
	}
	return v, nil
}

type predicate struct {
	now   func() time.Time
	masks [5]uint64
}

// Match requires every field to match. Unlike crontab, which runs a job
// when either the day of month or the day of week matches if both are
// restricted, a mask is a conjunction.
func (p *predicate) Match(*http.Request) bool {
	t := p.now()
	return p.masks[0]&(1<<t.Minute()) != 0 &&
		p.masks[1]&(1<<t.Hour()) != 0 &&
		p.masks[2]&(1<<t.Day()) != 0 &&
		p.masks[3]&(1<<int(t.Month())) != 0 &&
		p.masks[4]&(1<<int(t.Weekday())) != 0
}
