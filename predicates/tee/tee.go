package tee

import (
	"net/http"

	"github.com/skiff-proxy/skiff/filters/specargs"
	teefilter "github.com/skiff-proxy/skiff/filters/tee"
	"github.com/skiff-proxy/skiff/routing"
)

// Name of the predicate.
const Name = "Tee"

type spec struct{}

// New returns the Tee spec.
func New() routing.PredicateSpec { return spec{} }

func (spec) Name() string { return Name }

func (spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(Name, a)
	if err := args.Count(1, 1); err != nil {
		return nil, err
	}
	key, err := args.NonEmptyString(0, "tee key")
	if err != nil {
		return nil, err
	}
	return predicate(key), nil
}

type predicate string

// Match reports whether r is a copy made by teeLoopback with the
// predicate's key. The X-Tee-Loopback-Key header does not count: clients
// can send it.
func (p predicate) Match(r *http.Request) bool {
	key, ok := teefilter.LoopbackKey(r.Context())
	return ok && key == string(p)
}
