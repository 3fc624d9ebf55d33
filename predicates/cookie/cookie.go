package cookie

import (
	"net/http"
	"regexp"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/internal/cookies"
	"github.com/skiff-proxy/skiff/routing"
)

// Name of the predicate.
const Name = "Cookie"

type spec struct{}

// New returns the Cookie spec.
func New() routing.PredicateSpec { return spec{} }

func (spec) Name() string { return Name }

func (spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(Name, a)
	if err := args.Count(2, 2); err != nil {
		return nil, err
	}
	name, err := args.NonEmptyString(0, "cookie name")
	if err != nil {
		return nil, err
	}
	rx, err := args.Regexp(1, "value expression")
	if err != nil {
		return nil, err
	}
	return &predicate{name: name, rx: rx}, nil
}

type predicate struct {
	name string
	rx   *regexp.Regexp
}

func (p *predicate) Match(r *http.Request) bool {
	v, ok := cookies.Value(r.Header, p.name)
	return ok && p.rx.MatchString(v)
}
