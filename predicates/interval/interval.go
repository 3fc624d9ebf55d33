package interval

import (
	"net/http"
	"time"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Names of the predicates in this package.
const (
	AfterName   = "After"
	BeforeName  = "Before"
	BetweenName = "Between"
)

// localLayout is the form of times given together with a time-zone name.
const localLayout = "2006-01-02T15:04:05"

// Options configure the specs.
type Options struct {
	// Now returns the current time; default time.Now. Tests inject a clock.
	Now func() time.Time
}

func (o Options) now() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

type kind int

const (
	after kind = iota
	before
	between
)

type spec struct {
	name string
	kind kind
	now  func() time.Time
}

// NewAfter returns the spec of After(t): matches from t on. t is an RFC 3339
// time ("2026-11-23T10:00:00+01:00"), a local time and a time-zone name
// ("2026-11-23T10:00:00", "Europe/Berlin"), or unix seconds (1795428000).
func NewAfter(o Options) routing.PredicateSpec { return spec{AfterName, after, o.now()} }

// NewBefore returns the spec of Before(t): matches until just before t. t
// takes the same forms as for After.
func NewBefore(o Options) routing.PredicateSpec { return spec{BeforeName, before, o.now()} }

// NewBetween returns the spec of Between(from, till) and
// Between(from, till, tz): matches from "from" until just before "till",
// which must come later than "from".
func NewBetween(o Options) routing.PredicateSpec { return spec{BetweenName, between, o.now()} }

func (s spec) Name() string { return s.name }

func (s spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(s.name, a)
	times := 1
	if s.kind == between {
		times = 2
	}
	if err := args.Count(times, times+1); err != nil {
		return nil, err
	}
	var loc *time.Location
	if len(a) > times {
		tz, err := args.NonEmptyString(times, "time zone")
		if err != nil {
			return nil, err
		}
		if loc, err = time.LoadLocation(tz); err != nil {
			return nil, args.Errorf("argument %d (%q) is not a known time zone: %v", times+1, tz, err)
		}
	}
	var t [2]time.Time
	for i := 0; i < times; i++ {
		var err error
		if t[i], err = parseTime(args, i, loc); err != nil {
			return nil, err
		}
	}
	switch s.kind {
	case after:
		return &predicate{now: s.now, from: t[0], hasFrom: true}, nil
	case before:
		return &predicate{now: s.now, till: t[0], hasTill: true}, nil
	}
	if !t[0].Before(t[1]) {
		return nil, args.Errorf("from (%v) must be before till (%v)", a[0], a[1])
	}
	return &predicate{now: s.now, from: t[0], till: t[1], hasFrom: true, hasTill: true}, nil
}

// parseTime reads argument i: unix seconds (fraction dropped), an RFC 3339
// string, or, when loc is given, a local time without offset in loc.
func parseTime(args specargs.Args, i int, loc *time.Location) (time.Time, error) {
	v := args.At(i)
	if s, ok := v.(string); ok {
		if loc != nil {
			t, err := time.ParseInLocation(localLayout, s, loc)
			if err != nil {
				return time.Time{}, args.Errorf("argument %d (%q) is not a time of the form %s", i+1, s, localLayout)
			}
			return t, nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, args.Errorf("argument %d (%q) is not an RFC 3339 time", i+1, s)
		}
		return t, nil
	}
	if loc != nil {
		return time.Time{}, args.Errorf("argument %d (%v) must be a string when a time zone is given", i+1, v)
	}
	f, err := args.Number(i, "time")
	if err != nil {
		return time.Time{}, args.Errorf("argument %d (%v) must be a time string or unix seconds", i+1, v)
	}
	return time.Unix(int64(f), 0), nil
}

type predicate struct {
	now              func() time.Time
	from, till       time.Time
	hasFrom, hasTill bool
}

func (p *predicate) Match(*http.Request) bool {
	now := p.now()
	return (!p.hasFrom || !now.Before(p.from)) && (!p.hasTill || now.Before(p.till))
}
