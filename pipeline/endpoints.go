package pipeline

import (
	"context"

	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// TableSource hands out the current routing table; *routing.Routing is
// one. Every Acquire is paired with Table.Release.
type TableSource interface {
	Acquire() *routing.Table
}

// RunEndpoints runs the endpoint registry's background work (forgetting
// endpoints no table uses, passive statistics, active probes) until ctx
// ends. The endpoints in use are those of the current table's
// load-balanced routes.
func (p *Pipeline) RunEndpoints(ctx context.Context, tables TableSource) error {
	return p.Endpoints.Run(ctx, func(mark func(*healthcheck.Endpoint)) {
		t := tables.Acquire()
		defer t.Release()
		loadbalancer.EachMember(t, func(_ *routing.Route, m *loadbalancer.Member) { mark(m.Endpoint) })
	})
}
