package nats

import (
	"net"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/nats/status"
)

// StatusOptions configure gorouter's status listener for the NATS routes
// (spec §12): /health, /routes and, in the deprecated mode, /varz and
// /healthz.
type StatusOptions struct {
	// Address is where it listens; "" means status.DefaultAddr
	// (127.0.0.1:8082, loopback as gorouter's /routes listener); "-"
	// switches it off.
	Address string
	// User and Password protect /routes and /varz with basic auth
	// (status.user, status.pass).
	User, Password string
	// EnableVarz is status.enable_deprecated_varz_healthz_endpoints.
	EnableVarz bool
	// Listener, when set, is used instead of listening on Address.
	Listener net.Listener
}

// Snapshot is the table as gorouter's /routes shows it.
func (c *Client) Snapshot() map[string][]status.Endpoint {
	t := c.table
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[string][]status.Endpoint, len(t.pools))
	for key, p := range t.pools {
		eps := make([]status.Endpoint, len(p.eps))
		for i, e := range p.eps {
			m := &e.msg
			protocol := m.Protocol
			if protocol == "" {
				protocol = "http1"
			}
			eps[i] = status.Endpoint{
				Address: e.addr, AvailabilityZone: m.AvailabilityZone, Protocol: protocol, TLS: e.tls,
				TTL: int(e.ttl / time.Second), RouteServiceURL: m.RouteServiceURL, Tags: m.Tags,
				IsolationSegment: m.IsolationSegment, PrivateInstanceID: m.PrivateInstanceID,
				ServerCertDomainSAN: m.ServerCertDomainSAN, LoadBalancingAlgorithm: m.Options.LoadBalancing,
			}
		}
		out[key] = eps
	}
	return out
}

// LastUpdate is when the table last changed; zero before the first
// change.
func (c *Client) LastUpdate() time.Time {
	c.table.mu.RLock()
	defer c.table.mu.RUnlock()
	return c.table.lastUpdate
}

// StatusHandler serves gorouter's status endpoints for this client's
// table; healthy is the router's health.
func (c *Client) StatusHandler(healthy func() bool) *status.Server {
	so := c.opts.Status
	varz := status.VarzSource{Counters: c.counters, Table: status.RoutesTable(c, c.LastUpdate)}
	h := status.NewHandler(status.Config{User: so.User, Password: so.Password, EnableVarz: so.EnableVarz,
		Index: c.opts.Transport.Index, Host: so.Address, Varz: varz}, c, healthFunc(healthy))
	return &status.Server{Handler: h}
}

type healthFunc func() bool

func (f healthFunc) Healthy() bool { return f() }
