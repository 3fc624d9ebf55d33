package healthcheck

import (
	"context"
	"math"
)

// passiveLoop turns each period's counts into drop probabilities: once at
// the start, then every Period until ctx ends.
func (r *Registry) passiveLoop(ctx context.Context, c *PassiveConfig) {
	r.passiveRound(c)
	every(ctx, c.Period, func() { r.passiveRound(c) })
}

// passiveRound runs one statistics round over every endpoint.
func (r *Registry) passiveRound(c *PassiveConfig) {
	for _, e := range r.all() {
		e.passiveRound(c)
	}
}

// passiveRound sets the drop probability from the counts of the slot that
// collected the period now ending, then clears the other slot and makes
// it the one End counts into: each decision rests on one whole period.
// An End that read the slot number just before the switch adds to the
// old slot and is lost; skipper accepts the same.
func (e *Endpoint) passiveRound(c *PassiveConfig) {
	cur := e.slot.Load() & 1
	req, fail := e.phcReqs[cur].Load(), e.phcFails[cur].Load()
	e.drop.Store(math.Float64bits(dropProbability(req, fail, c)))
	next := cur ^ 1
	e.phcReqs[next].Store(0)
	e.phcFails[next].Store(0)
	e.slot.Store(next)
}

// dropProbability is the share of failed attempts when there were more
// than MinRequests and the share exceeds MinDropProbability, capped at
// MaxDropProbability; 0 otherwise.
func dropProbability(req, fail int64, c *PassiveConfig) float64 {
	if req <= c.MinRequests || req <= 0 {
		return 0
	}
	ratio := float64(fail) / float64(req)
	if ratio <= c.MinDropProbability {
		return 0
	}
	return min(ratio, c.MaxDropProbability)
}
