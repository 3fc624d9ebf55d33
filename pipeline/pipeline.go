package pipeline

import (
	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters/scheduler"
	"github.com/skiff-proxy/skiff/filters/tee"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

// Pipeline is what a Config yields: the options to build routes with and
// the sources to take them from. Close releases the shared state of the
// stateful filters (rate limits, tee) once nothing builds or serves routes
// any more.
type Pipeline struct {
	Build routing.BuildOptions
	// Endpoints is the endpoint registry of the load-balanced routes;
	// whoever runs the routing runs it too (Registry.Run).
	Endpoints   *healthcheck.Registry
	DataClients []dataclients.DataClient
	// Etcd is the etcd route source, nil without -etcd-urls; its
	// LastContact tells /health how long etcd has been out of reach.
	Etcd *etcd.Client
	// NATS is the NATS route source, nil without -nats-servers.
	NATS *nats.Client
	// Shadow sends the copies of the tee filters; whoever creates the
	// proxy hands it over (Shadow.SetRouter) for teeLoopback's copies.
	Shadow *tee.Shadow
	// Scheduler holds the load-shedding filters' queues, for /queues.
	Scheduler *scheduler.Registry
	close     func()
}

// New assembles c. Everything that can be checked before anything starts
// is checked here, so that a typo fails fast with its position: a filter
// chain or edit rule that does not parse, a routes file that is missing
// or does not parse (file:line:col), a bad forward backend.
func New(c Config) (*Pipeline, error) {
	if c.Log == nil {
		c.Log = logrus.StandardLogger()
	}
	pre, err := preProcessors(&c)
	if err != nil {
		return nil, err
	}
	clients, err := dataClients(&c)
	if err != nil {
		return nil, err
	}
	reg, preds, state, closeState, err := registries(&c)
	if err != nil {
		return nil, err
	}
	if c.PassiveHealthCheck != "" {
		pc, err := healthcheck.ParsePassive(c.PassiveHealthCheck)
		if err != nil {
			closeState()
			return nil, &Error{"passive-health-check", err}
		}
		c.Health.Passive = pc
	}
	if c.Health.Log == nil {
		c.Health.Log = c.Log
	}
	endpoints := healthcheck.New(c.Health)
	// Last, as it may start a server: everything else was checked.
	etcdClient, stopEtcd, err := etcdSource(&c)
	if err != nil {
		closeState()
		return nil, err
	}
	if etcdClient != nil {
		clients = append(clients, etcdClient)
	}
	natsClient, stopNATS, err := natsSource(&c, reg, preds)
	if err != nil {
		stopEtcd()
		closeState()
		return nil, err
	}
	if natsClient != nil {
		clients = append(clients, natsClient)
	}
	clients = append(clients, c.DataClients...)
	return &Pipeline{
		Shadow:    state.Shadow,
		Scheduler: state.Scheduler,
		Etcd:      etcdClient,
		NATS:      natsClient,
		Endpoints: endpoints,
		Build: routing.BuildOptions{
			Filters:             reg,
			Predicates:          preds,
			PreProcessors:       pre,
			PostProcessors:      postProcessors(&c, endpoints),
			IgnoreTrailingSlash: c.IgnoreTrailingSlash,
			DropInvalidUpdates:  c.DropInvalidUpdates,
		},
		DataClients: clients,
		close:       func() { stopNATS(); stopEtcd(); closeState() },
	}, nil
}

// Close releases what New started. It is safe to call more than once.
func (p *Pipeline) Close() {
	if p.close != nil {
		p.close()
		p.close = nil
	}
}
