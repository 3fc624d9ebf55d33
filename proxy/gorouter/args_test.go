package gorouter

import (
	"errors"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// The predicate and filters take one string; anything else makes the
// route invalid with the kind's sentinel error.
func TestSpecArguments(t *testing.T) {
	c := newClient(t, nats.Options{})
	pred := newPoolPredicateSpec(c)
	pool, router := &poolFilterSpec{c: c}, &routerFilterSpec{c: c}
	for _, args := range [][]any{nil, {1.0}, {"a", "b"}} {
		if _, err := pred.Create(args); !errors.Is(err, specargs.ErrInvalidPredicateParameters) {
			t.Errorf("NATSPool%v: %v", args, err)
		}
		if _, err := pool.CreateFilter(args); !errors.Is(err, filters.ErrInvalidFilterParameters) {
			t.Errorf("natsPool%v: %v", args, err)
		}
		if _, err := router.CreateFilter(args); !errors.Is(err, filters.ErrInvalidFilterParameters) {
			t.Errorf("natsRouter%v: %v", args, err)
		}
	}
	if _, err := router.CreateFilter([]any{"teapot"}); !errors.Is(err, filters.ErrInvalidFilterParameters) {
		t.Errorf("natsRouter(\"teapot\"): %v", err)
	}
	for _, ok := range []string{"health", "empty_host", "invalid_cf_app_instance_header", "invalid_cf_process_instance_header", "unknown_route"} {
		if _, err := router.CreateFilter([]any{ok}); err != nil {
			t.Errorf("natsRouter(%q): %v", ok, err)
		}
	}
}
