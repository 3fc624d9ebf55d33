package otel

import (
	"net/http"

	"go.opentelemetry.io/otel/baggage"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Name of the predicate.
const Name = "OTelBaggage"

type spec struct{}

// New returns the OTelBaggage(key) spec.
func New() routing.PredicateSpec { return spec{} }

func (spec) Name() string { return Name }

func (spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(Name, a)
	if err := args.Count(1, 1); err != nil {
		return nil, err
	}
	key, err := args.String(0, "baggage key")
	if err != nil {
		return nil, err
	}
	return predicate(key), nil
}

type predicate string

// Match looks for the key in the baggage of the request's context (a
// tracing handler put it there) or else of its baggage header (W3C
// Baggage); a header that does not parse has no members.
func (p predicate) Match(r *http.Request) bool {
	b := baggage.FromContext(r.Context())
	if b.Len() == 0 {
		h := r.Header.Get("Baggage")
		if h == "" {
			return false
		}
		var err error
		if b, err = baggage.Parse(h); err != nil {
			return false
		}
	}
	return b.Member(string(p)).Key() == string(p)
}
