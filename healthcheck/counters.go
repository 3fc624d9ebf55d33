package healthcheck

import "sync/atomic"

// counters are the registry's health numbers for metrics: how many
// endpoints are dead or lame ducks now, and how many state changes there
// were. They are kept as the changes happen, so reading them costs no walk
// over the endpoints.
type counters struct {
	dead        atomic.Int64
	lameDuck    atomic.Int64
	transitions atomic.Uint64
	// passiveDrops counts the endpoints the passive health check left
	// out of a request's choice, once per request and endpoint.
	passiveDrops atomic.Uint64
	// probes counts the active probes by what they found: the state
	// (Healthy, LameDuck, Dead) or, at probeInconclusive, nothing.
	probes [probeInconclusive + 1]atomic.Uint64
}

// probeInconclusive indexes the probes that learnt nothing about their
// endpoint (no probe for the scheme, a probe cut short).
const probeInconclusive = Dead + 1

// gauge is the counter of endpoints in state s, nil for healthy.
func (c *counters) gauge(s State) *atomic.Int64 {
	switch s {
	case Dead:
		return &c.dead
	case LameDuck:
		return &c.lameDuck
	}
	return nil
}

// change counts a state change of an endpoint in the registry.
func (c *counters) change(from, to State) {
	c.transitions.Add(1)
	if g := c.gauge(from); g != nil {
		g.Add(-1)
	}
	if g := c.gauge(to); g != nil {
		g.Add(1)
	}
}

// leave takes a forgotten endpoint in state s out of the gauges.
func (c *counters) leave(s State) {
	if g := c.gauge(s); g != nil {
		g.Add(-1)
	}
}

// DeadEndpoints is the number of endpoints in the registry that are dead.
func (r *Registry) DeadEndpoints() int64 { return r.counts.dead.Load() }

// LameDuckEndpoints is the number of endpoints in the registry that are
// lame ducks.
func (r *Registry) LameDuckEndpoints() int64 { return r.counts.lameDuck.Load() }

// Transitions is the number of health state changes of endpoints in the
// registry since it was created.
func (r *Registry) Transitions() uint64 { return r.counts.transitions.Load() }

// ProbeCounts are the active probes since the registry was created, by
// what they found.
type ProbeCounts struct {
	Healthy, LameDuck, Dead uint64
	// Inconclusive probes learnt nothing about their endpoint: there is
	// no probe for its scheme, or the probe could not be judged.
	Inconclusive uint64
}

// Probes counts the active probes by result.
func (r *Registry) Probes() ProbeCounts {
	p := &r.counts.probes
	return ProbeCounts{Healthy: p[Healthy].Load(), LameDuck: p[LameDuck].Load(), Dead: p[Dead].Load(), Inconclusive: p[probeInconclusive].Load()}
}

// PassiveDropped records that the passive health check left n endpoints
// out of one request's choice (the load balancer calls it).
func (r *Registry) PassiveDropped(n int) { r.counts.passiveDrops.Add(uint64(n)) }

// PassiveDrops is the number of times since the registry was created that
// the passive health check left an endpoint out of a request's choice.
func (r *Registry) PassiveDrops() uint64 { return r.counts.passiveDrops.Load() }
