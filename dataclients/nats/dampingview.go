package nats

import "time"

// DampingState is one endpoint's flap damping under one route key.
type DampingState struct {
	Key        string // the route key
	Penalty    float64
	Suppressed bool
	Since      time.Time // when the suppression began
	// Held is the registration state waiting to be applied; nil when
	// none waits.
	Held *bool
}

// Damping returns the damping entries by endpoint address (host:port):
// what /endpoints shows. nil when damping is off.
func (c *Client) Damping() map[string][]DampingState {
	if c.damp == nil {
		return nil
	}
	out := map[string][]DampingState{}
	for k, st := range c.damp.Snapshot() {
		out[k.addr] = append(out[k.addr], DampingState{Key: k.key, Penalty: st.Penalty,
			Suppressed: st.Suppressed, Since: st.Since, Held: st.Held})
	}
	return out
}
