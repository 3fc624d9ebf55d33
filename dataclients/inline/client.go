package inline

import (
	"context"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// Source is the name of the inline routes in positions and logs.
const Source = "inline-routes"

// Client serves a fixed set of routes.
type Client struct {
	routes []*eskip.Route
}

// New parses doc; a syntax error carries the position in it
// (inline-routes:line:col).
func New(doc string) (*Client, error) {
	routes, err := eskip.ParseDocument(Source, []byte(doc))
	if err != nil {
		return nil, err
	}
	return &Client{routes: routes}, nil
}

func (*Client) Name() string { return "inline" }

// Run delivers the routes once and then waits for ctx.
func (c *Client) Run(ctx context.Context, out chan<- dataclients.Update) error {
	select {
	case out <- dataclients.Update{Reset: true, Upserts: c.routes}:
	case <-ctx.Done():
		return nil
	}
	<-ctx.Done()
	return nil
}
