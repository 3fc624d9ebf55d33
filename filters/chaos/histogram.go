package chaos

import (
	"math"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// histogramSpec makes histogramRequestLatency and histogramResponseLatency:
// boundaries (duration strings, increasing) interleaved with the weights
// (numbers) of the buckets between them, at least one weight above zero.
type histogramSpec struct {
	env
	name     string
	response bool
}

func (s *histogramSpec) Name() string { return s.name }

func (s *histogramSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if len(args) < 3 || len(args)%2 == 0 {
		return nil, a.Errorf("want an odd number of arguments, at least 3 (boundary, weight, boundary[, weight, boundary]...), got %d", len(args))
	}
	f := &histogram{env: s.env, response: s.response}
	total := 0.0
	for i, v := range args {
		if i%2 == 0 {
			var d time.Duration
			switch v := v.(type) {
			case string:
				var err error
				if d, err = time.ParseDuration(v); err != nil {
					return nil, a.Errorf("argument %d (boundary) %q is not a duration: %v", i+1, v, err)
				}
			case time.Duration:
				d = v
			default:
				return nil, a.Errorf("argument %d (boundary) must be a duration string, got %T %v", i+1, v, v)
			}
			if d < 0 {
				return nil, a.Errorf("argument %d (boundary) must not be negative, got %v", i+1, v)
			}
			if n := len(f.bounds); n > 0 && d <= f.bounds[n-1] {
				return nil, a.Errorf("argument %d (boundary) %v must be above the boundary before it, %v", i+1, v, f.bounds[n-1])
			}
			f.bounds = append(f.bounds, d)
			continue
		}
		w, err := a.Number(i, "weight")
		if err != nil {
			return nil, err
		}
		if !(w >= 0) || math.IsInf(w, 1) {
			return nil, a.Errorf("argument %d (weight) must be a number of zero or more, got %v", i+1, v)
		}
		total += w
		f.cumulative = append(f.cumulative, total)
	}
	if !(total > 0) || math.IsInf(total, 1) {
		return nil, a.Errorf("the weights must add up to a finite number above zero, got %v", total)
	}
	return f, nil
}

type histogram struct {
	env
	response bool
	// bounds has one entry more than cumulative, which holds the running
	// sums of the weights.
	bounds     []time.Duration
	cumulative []float64
}

// sample picks a bucket with a probability proportional to its weight and
// a latency in it, from its lower boundary up to (not including) its
// upper one.
func (f *histogram) sample() time.Duration {
	total := f.cumulative[len(f.cumulative)-1]
	x := f.rand.Float64() * total
	i := len(f.cumulative) - 1
	for j, c := range f.cumulative {
		if x < c {
			i = j
			break
		}
	}
	// Rounding can leave x at total: take the last bucket with a weight.
	for i > 0 && f.cumulative[i] == f.cumulative[i-1] {
		i--
	}
	lo, hi := f.bounds[i], f.bounds[i+1]
	return lo + time.Duration(f.rand.Int64N(int64(hi-lo)))
}

func (f *histogram) Request(ctx filters.FilterContext) {
	if !f.response {
		f.clock.sleep(ctx.Request().Context(), nil, f.sample())
	}
}

func (f *histogram) Response(ctx filters.FilterContext) {
	if f.response {
		f.clock.sleep(ctx.Request().Context(), nil, f.sample())
	}
}
