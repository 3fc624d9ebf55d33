package traffic

import (
	"math/rand/v2"
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/internal/cookies"
	"github.com/skiff-proxy/skiff/routing"
)

// Names of the predicates in this package.
const (
	TrafficName        = "Traffic"
	TrafficSegmentName = filters.TrafficSegmentName
)

// Options configure the specs.
type Options struct {
	// Rand returns a uniform number in [0,1). It is called concurrently.
	// Default: math/rand/v2's Float64. Tests inject a fixed sequence.
	Rand func() float64
}

func (o Options) rand() func() float64 {
	if o.Rand != nil {
		return o.Rand
	}
	return rand.Float64
}

type trafficSpec struct{ rnd func() float64 }

// NewTraffic returns the spec of Traffic(chance) and
// Traffic(chance, cookieName, groupValue).
func NewTraffic(o Options) routing.PredicateSpec { return trafficSpec{o.rand()} }

func (trafficSpec) Name() string { return TrafficName }

func (s trafficSpec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(TrafficName, a)
	if len(a) != 1 && len(a) != 3 {
		return nil, args.Errorf("expects 1 or 3 arguments, got %d", len(a))
	}
	chance, err := fraction(args, 0)
	if err != nil {
		return nil, err
	}
	p := &trafficPredicate{rnd: s.rnd, chance: chance}
	if len(a) == 3 {
		if p.cookie, err = args.NonEmptyString(1, "cookie name"); err != nil {
			return nil, err
		}
		if p.group, err = args.String(2, "group value"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func fraction(args specargs.Args, i int) (float64, error) {
	f, err := args.Number(i, "fraction")
	if err != nil {
		return 0, err
	}
	if !(f >= 0 && f <= 1) {
		return 0, args.Errorf("argument %d (%v) must be between 0 and 1", i+1, f)
	}
	return f, nil
}

type trafficPredicate struct {
	rnd           func() float64
	chance        float64
	cookie, group string // cookie empty: not sticky
}

// Match lets a client that already carries the group cookie stay in (or out
// of) its group; everyone else is drawn at random.
func (p *trafficPredicate) Match(r *http.Request) bool {
	if p.cookie != "" {
		if v, ok := cookies.Value(r.Header, p.cookie); ok {
			return v == p.group
		}
	}
	return p.rnd() < p.chance
}

type segmentSpec struct{ rnd func() float64 }

// NewTrafficSegment returns the spec of TrafficSegment(min, max). Its Weight
// of -1 cancels the 1 every predicate adds, so the predicate does not change
// the order of routes.
func NewTrafficSegment(o Options) routing.WeightedPredicateSpec {
	return segmentSpec{o.rand()}
}

func (segmentSpec) Name() string { return TrafficSegmentName }

func (segmentSpec) Weight() int { return -1 }

func (s segmentSpec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(TrafficSegmentName, a)
	if err := args.Count(2, 2); err != nil {
		return nil, err
	}
	lo, err := fraction(args, 0)
	if err != nil {
		return nil, err
	}
	hi, err := fraction(args, 1)
	if err != nil {
		return nil, err
	}
	if lo > hi {
		return nil, args.Errorf("min (%v) must not be greater than max (%v)", lo, hi)
	}
	return &segmentPredicate{rnd: s.rnd, min: lo, max: hi}, nil
}

type segmentPredicate struct {
	rnd      func() float64
	min, max float64
}

// Match uses the request's shared number when the handler provided a
// Segment; without one each evaluation draws anew, which keeps single
// TrafficSegment routes correct but lets several of them overlap.
func (p *segmentPredicate) Match(r *http.Request) bool {
	var v float64
	if s := filters.SegmentOf(r); s != nil {
		v = s.Value(p.rnd)
	} else {
		v = p.rnd()
	}
	return p.min <= v && v < p.max
}
