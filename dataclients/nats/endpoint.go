package nats

import (
	"maps"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
)

// Endpoint is one registered endpoint of one pool. Everything but its
// times and in-flight count is fixed once it is in a pool: a registration
// that changes a field replaces the object (spec §4.3). The request path
// reads it through its methods.
type Endpoint struct {
	addr string // host:port, the pool's index
	tls  bool
	ttl  time.Duration // effective, after §6.2
	// msg is the registration it came from, without URIs and option
	// errors: the fields headers, /routes and the access log show.
	msg registration.Message
	// seen is when it was last registered, in Unix nanoseconds: refreshed
	// in place by re-registrations, read by pruning.
	seen atomic.Int64
	// inflight counts the requests between the start of their attempt
	// and their response headers (spec §7.4). A replaced endpoint starts
	// from zero, as gorouter's does.
	inflight atomic.Int64
}

func newEndpoint(m *registration.Message, addr string, tls bool, ttl time.Duration, now time.Time) *Endpoint {
	e := &Endpoint{addr: addr, tls: tls, ttl: ttl, msg: *m}
	e.msg.URIs, e.msg.OptionErrors = nil, nil
	e.seen.Store(now.UnixNano())
	return e
}

// same reports whether a registration of m (for the same address) would
// change nothing (spec §4.3's equality; unlike gorouter's it includes the
// availability zone, so an AZ-only change is not ignored).
func (e *Endpoint) same(m *registration.Message, tls bool, ttl time.Duration) bool {
	o := &e.msg
	return e.tls == tls && e.ttl == ttl &&
		o.App == m.App && storedProtocol(o.Protocol) == storedProtocol(m.Protocol) && o.ServerCertDomainSAN == m.ServerCertDomainSAN &&
		o.PrivateInstanceID == m.PrivateInstanceID && o.PrivateInstanceIndex == m.PrivateInstanceIndex &&
		o.RouteServiceURL == m.RouteServiceURL && o.IsolationSegment == m.IsolationSegment &&
		o.EndpointUpdatedAtNs == m.EndpointUpdatedAtNs && o.AvailabilityZone == m.AvailabilityZone &&
		o.Options == m.Options && (o.Tags == nil) == (m.Tags == nil) && maps.Equal(o.Tags, m.Tags)
}

// storedProtocol is a registration's protocol as gorouter stores it before
// comparing endpoints (spec §3): "" is http1.
func storedProtocol(p string) string {
	if p == "" {
		return "http1"
	}
	return p
}

// stale reports whether the endpoint's TTL ran out at now. TLS endpoints
// never go stale (spec §6.3): they leave by unregister only.
func (e *Endpoint) stale(now int64) bool {
	return !e.tls && now-e.seen.Load() > int64(e.ttl)
}

// instanceID is what X-CF-InstanceID carries: the instance id, or the
// address when the registration has none (spec §9.1).
func (e *Endpoint) instanceID() string {
	if e.msg.PrivateInstanceID != "" {
		return e.msg.PrivateInstanceID
	}
	return e.addr
}

// url is the endpoint as an LB endpoint of the pool's route.
func (e *Endpoint) url() string {
	if e.tls {
		return "https://" + e.addr
	}
	return "http://" + e.addr
}

// Addr is the endpoint's host:port.
func (e *Endpoint) Addr() string { return e.addr }

// App is the registration's app guid.
func (e *Endpoint) App() string { return e.msg.App }

// Index is private_instance_index.
func (e *Endpoint) Index() string { return e.msg.PrivateInstanceIndex }

// PrivateInstanceID is private_instance_id, "" when not registered.
func (e *Endpoint) PrivateInstanceID() string { return e.msg.PrivateInstanceID }

// InstanceID is what X-CF-InstanceID carries (spec §9.1).
func (e *Endpoint) InstanceID() string { return e.instanceID() }

// Tag is one of the registration's tags.
func (e *Endpoint) Tag(name string) string { return e.msg.Tags[name] }

// TLS reports whether the endpoint is reached over TLS (its tls_port).
func (e *Endpoint) TLS() bool { return e.tls }

// ServerCertDomainSAN is the name its certificate must be valid for
// (server_cert_domain_san); empty means its IP address.
func (e *Endpoint) ServerCertDomainSAN() string { return e.msg.ServerCertDomainSAN }

// AvailabilityZone is the zone it registered in (availability_zone).
func (e *Endpoint) AvailabilityZone() string { return e.msg.AvailabilityZone }

// InFlight is the count of requests between the start of their attempt
// and their response headers (spec §7.4), kept by the request path.
func (e *Endpoint) InFlight() *atomic.Int64 { return &e.inflight }
