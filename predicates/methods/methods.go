package methods

import (
	"net/http"
	"strings"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Name of the predicate.
const Name = "Methods"

var known = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
}

type spec struct{}

// New returns the Methods spec.
func New() routing.PredicateSpec { return spec{} }

func (spec) Name() string { return Name }

func (spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(Name, a)
	if err := args.Count(1, -1); err != nil {
		return nil, err
	}
	p := make(predicate, 0, len(a))
	for i := range a {
		s, err := args.String(i, "method")
		if err != nil {
			return nil, err
		}
		m := strings.ToUpper(s)
		ok := false
		for _, k := range known {
			ok = ok || k == m
		}
		if !ok {
			return nil, args.Errorf("argument %d (%q) is not a standard HTTP method", i+1, s)
		}
		p = append(p, m)
	}
	return p, nil
}

type predicate []string

func (p predicate) Match(r *http.Request) bool {
	for _, m := range p {
		if m == r.Method || strings.EqualFold(m, r.Method) {
			return true
		}
	}
	return false
}
