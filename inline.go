package skiff

import (
	"context"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// inlineClient serves the routes of -inline-routes: parsed once at
// startup, delivered once, never changed.
type inlineClient struct {
	routes []*eskip.Route
}

func (inlineClient) Name() string { return "inline" }

func (c inlineClient) Run(ctx context.Context, out chan<- dataclients.Update) error {
	select {
	case out <- dataclients.Update{Reset: true, Upserts: c.routes}:
	case <-ctx.Done():
		return nil
	}
	<-ctx.Done()
	return nil
}
