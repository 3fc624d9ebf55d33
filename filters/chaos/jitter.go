package chaos

import (
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// distribution is how a jitter filter draws its latency.
type distribution int

const (
	uniform distribution = iota // mean ± delta, every value as likely
	normal                      // mean µ, standard deviation σ
)

// jitterSpec makes uniformRequestLatency, normalRequestLatency and their
// …ResponseLatency twins.
type jitterSpec struct {
	env
	name     string
	dist     distribution
	response bool
}

func (s *jitterSpec) Name() string { return s.name }

func (s *jitterSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	mean, err := duration(a, 0, "mean")
	if err != nil {
		return nil, err
	}
	spread := "delta"
	if s.dist == normal {
		spread = "standard deviation"
	}
	delta, err := duration(a, 1, spread)
	if err != nil {
		return nil, err
	}
	return &jitter{env: s.env, dist: s.dist, response: s.response, mean: mean, delta: delta}, nil
}

type jitter struct {
	env
	dist        distribution
	response    bool
	mean, delta time.Duration
}

// sample draws one latency; draws below zero wait nothing.
func (f *jitter) sample() time.Duration {
	var r float64
	if f.dist == uniform {
		r = 2*f.rand.Float64() - 1
	} else {
		r = f.rand.NormFloat64()
	}
	return durationOf(float64(f.mean) + r*float64(f.delta))
}

func (f *jitter) Request(ctx filters.FilterContext) {
	if !f.response {
		f.clock.sleep(ctx.Request().Context(), nil, f.sample())
	}
}

func (f *jitter) Response(ctx filters.FilterContext) {
	if f.response {
		f.clock.sleep(ctx.Request().Context(), nil, f.sample())
	}
}
