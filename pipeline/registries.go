package pipeline

import (
	"fmt"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/auth"
	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/filters/builtin"
	"github.com/skiff-proxy/skiff/filters/ratelimit"
	"github.com/skiff-proxy/skiff/filters/scheduler"
	"github.com/skiff-proxy/skiff/filters/tee"
	"github.com/skiff-proxy/skiff/predicates"
	"github.com/skiff-proxy/skiff/routing"
)

// filterState creates the state of the stateful filters once per
// pipeline, so that it survives routing table rebuilds; the returned func
// releases it.
func filterState(c *Config) (builtin.Options, func()) {
	bo := builtin.Options{Logging: c.Logging}
	if c.EnableBreakers {
		bopts := c.Breakers
		if c.Metrics != nil {
			bopts.OnStateChange = c.Metrics.BreakerStateChange
		}
		bo.Breakers = breaker.NewRegistry(bopts)
		if c.Metrics != nil {
			c.Metrics.WatchBreakers(bo.Breakers.Len)
		}
	}
	if c.EnableRatelimits {
		bo.Ratelimits = ratelimit.NewRegistry(ratelimit.Options{})
	}
	bo.Shadow = tee.NewShadow(tee.Options{})
	ao := c.Auth
	if ao.Log == nil && c.Log != nil {
		ao.Log = c.Log
	}
	bo.Auth = auth.NewRegistry(ao)
	bo.Scheduler = scheduler.NewRegistry(scheduler.Options{Log: c.Log})
	return bo, func() {
		bo.Shadow.Close()
		_ = bo.Scheduler.Close()
		_ = bo.Auth.Close()
		if bo.Ratelimits != nil {
			bo.Ratelimits.Close()
		}
	}
}

// registries builds the filter and predicate registries: built-ins first,
// then the custom specs (replacing built-ins of the same name), then the
// disabled names removed, then the RegisterFilters hook. On error nothing
// is left to close.
// state is the shared state of the stateful filters (filterState).
func registries(c *Config) (filters.Registry, routing.PredicateRegistry, builtin.Options, func(), error) {
	state, closeState := filterState(c)
	reg, err := builtin.Registry(state)
	if err != nil {
		closeState()
		return nil, nil, builtin.Options{}, nil, fmt.Errorf("built-in filters: %w", err)
	}
	for _, s := range c.Filters {
		reg.Register(s)
	}
	for _, name := range c.DisabledFilters {
		delete(reg, name)
	}
	if c.RegisterFilters != nil {
		c.RegisterFilters(reg)
	}

	preds := routing.PredicateRegistry{}
	predicates.Register(preds, predicates.Options{ShutdownStarted: c.ShutdownStarted})
	for _, s := range c.Predicates {
		preds.Register(s)
	}
	return reg, preds, state, closeState, nil
}
