package predtest

import (
	"errors"
	"testing"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Create instantiates spec with a. With wantErr it reports an error unless
// creation failed with specargs.ErrInvalidPredicateParameters, and returns nil; otherwise a
// failure ends the test.
func Create(t testing.TB, spec routing.PredicateSpec, a []any, wantErr bool) routing.Predicate {
	t.Helper()
	p, err := spec.Create(a)
	if wantErr {
		if !errors.Is(err, specargs.ErrInvalidPredicateParameters) {
			t.Errorf("%s%v: err %v, want ErrInvalidPredicateParameters", spec.Name(), a, err)
		}
		return nil
	}
	if err != nil {
		t.Fatalf("%s%v: %v", spec.Name(), a, err)
	}
	return p
}
