package query

import (
	"net/http"
	"regexp"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/internal/rawquery"
	"github.com/skiff-proxy/skiff/routing"
)

// Name of the predicate.
const Name = "QueryParam"

type spec struct{}

// New returns the QueryParam spec.
func New() routing.PredicateSpec { return spec{} }

func (spec) Name() string { return Name }

func (spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(Name, a)
	if err := args.Count(1, 2); err != nil {
		return nil, err
	}
	name, err := args.NonEmptyString(0, "parameter name")
	if err != nil {
		return nil, err
	}
	p := &predicate{name: name}
	if len(a) == 2 {
		if p.rx, err = args.Regexp(1, "value expression"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

type predicate struct {
	name string
	rx   *regexp.Regexp // nil: presence is enough
}

// Match scans the raw query instead of calling URL.Query, which would build
// a map per request.
func (p *predicate) Match(r *http.Request) bool {
	q := r.URL.RawQuery
	for {
		v, ok := rawquery.Next(&q, p.name)
		if !ok {
			return false
		}
		if p.rx == nil || p.rx.MatchString(v) {
			return true
		}
	}
}
