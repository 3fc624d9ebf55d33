package healthcheck

import "time"

// PassiveConfig configures the passive health check
// (-passive-health-check): endpoints whose share of failed attempts in the
// last period exceeds MinDropProbability are left out of a request's
// candidates with a probability of that share, capped at
// MaxDropProbability. ParsePassive reads it from the flag's value.
type PassiveConfig struct {
	Period                     time.Duration
	MinRequests                int64
	MinDropProbability         float64
	MaxDropProbability         float64
	MaxUnhealthyEndpointsRatio float64
}
