package pipeline

import (
	"fmt"
	"strings"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// preProcessors lays out the route pre-processors in the order that lets
// each see what the one before did: default filters first (clone and edit
// rules may rewrite them), then clone rules (so that clones are edited
// too), edit rules, the custom ones, and last <forward>, whose routes lose
// their filters.
func preProcessors(c *Config) ([]routing.PreProcessor, error) {
	var d routing.DefaultFilters
	var err error
	if d.Prepend, err = parseChains(c.DefaultFiltersPrepend); err != nil {
		return nil, &Error{"default-filters-prepend", err}
	}
	if d.Append, err = parseChains(c.DefaultFiltersAppend); err != nil {
		return nil, &Error{"default-filters-append", err}
	}
	pre := []routing.PreProcessor{d}
	clones, err := parseRouteEdits(c.CloneRoute)
	if err != nil {
		return nil, &Error{"clone-route", err}
	}
	if len(clones) > 0 {
		pre = append(pre, routing.NewRouteCloner(clones, c.Log))
	}
	edits, err := parseRouteEdits(c.EditRoute)
	if err != nil {
		return nil, &Error{"edit-route", err}
	}
	if len(edits) > 0 {
		pre = append(pre, routing.NewRouteEditor(edits, c.Log))
	}
	pre = append(pre, c.PreProcessors...)
	if c.ForwardBackendURL != "" {
		fr, err := routing.NewForwardResolver(c.ForwardBackendURL)
		if err != nil {
			return nil, &Error{"forward-backend-url", err}
		}
		pre = append(pre, fr)
	}
	return pre, nil
}

// postProcessors: the load balancer set-up, then <forward> routes that no
// forward backend resolved are dropped with a reason, then the custom
// ones, and last the routes that are left are bound to their metrics.
func postProcessors(c *Config, endpoints *healthcheck.Registry) []routing.PostProcessor {
	pps := append([]routing.PostProcessor{loadbalancer.NewPostProcessor(endpoints), routing.ForwardUnresolved{}}, c.PostProcessors...)
	if c.Metrics != nil {
		pps = append(pps, c.Metrics.PostProcessor())
	}
	return pps
}

func parseChains(chains []string) ([]*eskip.Filter, error) {
	var all []*eskip.Filter
	for _, ch := range chains {
		if strings.TrimSpace(ch) == "" {
			continue
		}
		fs, err := eskip.ParseFilters(ch)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", ch, err)
		}
		all = append(all, fs...)
	}
	return all, nil
}

func parseRouteEdits(rules []string) ([]routing.RouteEdit, error) {
	var es []routing.RouteEdit
	for _, r := range rules {
		e, err := routing.ParseRouteEdit(r)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, nil
}
