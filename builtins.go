package skiff

import (
	"fmt"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/filters/builtin"
	"github.com/skiff-proxy/skiff/filters/ratelimit"
	"github.com/skiff-proxy/skiff/filters/tee"
	"github.com/skiff-proxy/skiff/predicates"
	"github.com/skiff-proxy/skiff/routing"
)

// filterState creates the state of the stateful filters once per Run, so
// that it survives routing table rebuilds; the returned func releases it.
func filterState(o *Options) (builtin.Options, func()) {
	var bo builtin.Options
	if o.EnableBreakers {
		bo.Breakers = breaker.NewRegistry(breaker.Options{})
	}
	if o.EnableRatelimits {
		bo.Ratelimits = ratelimit.NewRegistry(ratelimit.Options{})
	}
	bo.Shadow = tee.NewShadow(tee.Options{})
	return bo, func() {
		bo.Shadow.Close()
		if bo.Ratelimits != nil {
			bo.Ratelimits.Close()
		}
	}
}

// registries builds the filter and predicate registries of one Run:
// built-ins first, then the custom specs (replacing built-ins of the same
// name), then the disabled names removed, then the RegisterFilters hook.
// On error nothing is left to close.
func registries(o *Options, shutdownStarted <-chan struct{}) (filters.Registry, routing.PredicateRegistry, func(), error) {
	state, closeFilters := filterState(o)
	reg, err := builtin.Registry(state)
	if err != nil {
		closeFilters()
		return nil, nil, nil, fmt.Errorf("built-in filters: %w", err)
	}
	for _, s := range o.CustomFilters {
		reg.Register(s)
	}
	for _, name := range o.DisabledFilters {
		delete(reg, name)
	}
	if o.RegisterFilters != nil {
		o.RegisterFilters(reg)
	}

	preds := routing.PredicateRegistry{}
	predicates.Register(preds, predicates.Options{ShutdownStarted: shutdownStarted})
	for _, s := range o.CustomPredicates {
		preds.Register(s)
	}
	return reg, preds, closeFilters, nil
}
