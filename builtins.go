package skiff

import (
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/backend"
	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/filters/compress"
	"github.com/skiff-proxy/skiff/filters/cookie"
	"github.com/skiff-proxy/skiff/filters/cors"
	"github.com/skiff-proxy/skiff/filters/flowid"
	"github.com/skiff-proxy/skiff/filters/headers"
	"github.com/skiff-proxy/skiff/filters/path"
	"github.com/skiff-proxy/skiff/filters/query"
	"github.com/skiff-proxy/skiff/filters/ratelimit"
	"github.com/skiff-proxy/skiff/filters/redirect"
	"github.com/skiff-proxy/skiff/filters/status"
	"github.com/skiff-proxy/skiff/filters/tee"
	"github.com/skiff-proxy/skiff/filters/timeout"
	"github.com/skiff-proxy/skiff/predicates"
	"github.com/skiff-proxy/skiff/routing"
)

// builtinFilters lists the built-in filter specs. Stateful filters get
// registries created here, once per Run, so that their state survives
// routing table rebuilds; the returned func releases them.
func builtinFilters(o *Options) ([]filters.Spec, func()) {
	var breakers *breaker.Registry
	if o.EnableBreakers {
		breakers = breaker.NewRegistry(breaker.Options{})
	}
	var limits *ratelimit.Registry
	if o.EnableRatelimits {
		limits = ratelimit.NewRegistry(ratelimit.Options{})
	}
	shadow := tee.NewShadow(tee.Options{})
	closer := func() {
		shadow.Close()
		if limits != nil {
			limits.Close()
		}
	}
	var specs []filters.Spec
	for _, group := range [][]filters.Spec{
		headers.Specs(),
		path.Specs(),
		query.Specs(),
		redirect.Specs(),
		status.Specs(),
		backend.Specs(),
		timeout.Specs(),
		cookie.Specs(),
		tee.Specs(shadow),
		compress.Specs(),
		cors.Specs(),
		flowid.Specs(),
		breaker.Specs(breakers),
		ratelimit.Specs(limits),
	} {
		specs = append(specs, group...)
	}
	return specs, closer
}

// registries builds the filter and predicate registries of one Run:
// built-ins first, then the custom specs (replacing built-ins of the same
// name), then the disabled names removed, then the RegisterFilters hook.
func registries(o *Options, shutdownStarted <-chan struct{}) (filters.Registry, routing.PredicateRegistry, func(), error) {
	specs, closeFilters := builtinFilters(o)
	reg := filters.Registry{}
	for _, s := range specs {
		reg.Register(s)
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
	for _, s := range predicates.Specs(predicates.Options{ShutdownStarted: shutdownStarted}) {
		preds.Register(s)
	}
	for _, s := range o.CustomPredicates {
		preds.Register(s)
	}
	return reg, preds, closeFilters, nil
}
