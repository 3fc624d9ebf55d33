package contentlength

import (
	"math"
	"net/http"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Name of the predicate.
const Name = "ContentLengthBetween"

type spec struct{}

// New returns the ContentLengthBetween spec.
func New() routing.PredicateSpec { return spec{} }

func (spec) Name() string { return Name }

func (spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(Name, a)
	if err := args.Count(2, 2); err != nil {
		return nil, err
	}
	var b [2]int64
	for i := range b {
		f, err := args.Number(i, "length")
		if err != nil {
			return nil, err
		}
		if f < 0 || f != math.Trunc(f) || f > math.MaxInt64 {
			return nil, args.Errorf("argument %d (%v) must be a non-negative integer", i+1, f)
		}
		b[i] = int64(f)
	}
	if b[0] >= b[1] {
		return nil, args.Errorf("min (%d) must be less than max (%d)", b[0], b[1])
	}
	return predicate{min: b[0], max: b[1]}, nil
}

type predicate struct{ min, max int64 }

// Match never holds for an unknown length (-1, e.g. chunked bodies).
func (p predicate) Match(r *http.Request) bool {
	return r.ContentLength >= p.min && r.ContentLength < p.max
}
