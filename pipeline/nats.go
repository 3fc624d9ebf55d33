package pipeline

import (
	"errors"
	"fmt"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/proxy/gorouter"
	"github.com/skiff-proxy/skiff/routing"
)

// EmbeddedNATS is the -nats-servers value that runs a NATS server inside
// skiff, on loopback, for one machine without a NATS installation.
const EmbeddedNATS = "embedded"

// DefaultNATSEmbeddedAddress is where the embedded NATS server listens:
// NATS' own port, which NATS tools try by default.
const DefaultNATSEmbeddedAddress = "127.0.0.1:4222"

// natsSource makes the NATS route source of c, if it has servers, starts
// the embedded server first when asked to, and registers the predicate
// and filters of its routes (package proxy/gorouter). The returned function stops the server.
func natsSource(c *Config, reg filters.Registry, preds routing.PredicateRegistry) (*nats.Client, func(), error) {
	o := c.NATS
	servers := o.Transport.Servers
	if len(servers) == 0 {
		return nil, func() {}, nil
	}
	if o.Log == nil {
		o.Log = c.Log
	}
	if o.Transport.Log == nil {
		o.Transport.Log = o.Log
	}
	stop := func() {}
	if len(servers) == 1 && servers[0] == EmbeddedNATS {
		addr := c.NATSEmbeddedAddress
		if addr == "" {
			addr = DefaultNATSEmbeddedAddress
		}
		emb, err := transport.StartEmbedded(addr, o.Log)
		if err != nil {
			return nil, nil, &Error{"nats-servers", fmt.Errorf("starting the embedded NATS server: %w", err)}
		}
		c.Log.Infof("embedded NATS server listening on %s", emb.URL())
		o.Transport.Servers = []string{emb.URL()}
		stop = func() { _ = emb.Close() }
	}
	for _, s := range o.Transport.Servers {
		if s == EmbeddedNATS {
			stop()
			return nil, nil, &Error{"nats-servers", errors.New(`"embedded" cannot be combined with other servers`)}
		}
	}
	o.IndexKey = gorouter.IndexKey
	client, err := nats.New(o)
	if err != nil {
		stop()
		return nil, nil, &Error{"nats", err}
	}
	gorouter.Register(client, reg, preds)
	return client, stop, nil
}
