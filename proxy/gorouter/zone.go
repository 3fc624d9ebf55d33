package gorouter

import (
	"math/rand/v2"
	"sync/atomic"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters"
)

// AZ preference (spec §7.3, balancing_algorithm_az_preference
// locally-optimistic): a request's first attempt goes to an endpoint in
// the router's own availability zone when one can take it, which keeps
// traffic off the links between zones; retries use every endpoint, so a
// failing local instance does not hold the request in the zone.
//
// The filter names that endpoint in filters.PreferredEndpoint. The proxy
// sends the first attempt there when it is usable, and a retry never goes
// back to an endpoint that failed the request, so the preference holds
// for the first attempt only. When the proxy finds the endpoint unusable
// (dead, or failed recently) it picks among all endpoints: the filter
// cannot see the proxy's health marks, only the connection limit.

// zonePreference is the pool filter's state for AZ preference.
type zonePreference struct {
	zone string // "" when the preference is off
	// cursor is the pool's round-robin turn among its local endpoints,
	// apart from the balancer's turn over all of them. It starts at a
	// random place, as gorouter's does, so that routers started together
	// do not all send their first request to the same endpoint.
	cursor atomic.Uint32
}

func newZonePreference(o nats.Options) *zonePreference {
	z := &zonePreference{}
	if o.AZPreference == nats.AZLocallyOptimistic && o.Zone != "" {
		z.zone = o.Zone
		z.cursor.Store(rand.Uint32())
	}
	return z
}

// preferLocal sets the preferred endpoint of a request that has none
// (instance targeting and sticky sessions come first) to a local one below
// the connection limit, chosen by the pool's algorithm; it sets nothing
// when no local endpoint can take the request, so that all are used.
// algorithm is the pool's (nats.PoolState.Algorithm).
func (f *poolFilter) preferLocal(bag map[string]any, algorithm string) {
	z := f.zone
	if z.zone == "" {
		return
	}
	var local []*nats.Endpoint
	f.c.FindEndpoint(f.key, func(e *nats.Endpoint) bool {
		if e.AvailabilityZone() == z.zone {
			local = append(local, e)
		}
		return false
	})
	if len(local) == 0 {
		return
	}
	limit := int64(f.opts.MaxConns)
	var pick *nats.Endpoint
	if algorithm == nats.LeastConnection {
		pick = leastLoaded(local, limit)
	} else {
		pick = nextInTurn(local, limit, z.cursor.Add(1))
	}
	if pick != nil {
		bag[filters.PreferredEndpoint] = pick.Addr()
	}
}

// belowLimit: the endpoint can take another request (limit 0: no limit).
func belowLimit(e *nats.Endpoint, limit int64) bool {
	return limit <= 0 || e.InFlight().Load() < limit
}

// nextInTurn is round robin (spec §7.1): from the turn's place, the first
// endpoint below the limit.
func nextInTurn(eps []*nats.Endpoint, limit int64, turn uint32) *nats.Endpoint {
	n := len(eps)
	start := int(turn % uint32(n))
	for i := range n {
		if e := eps[(start+i)%n]; belowLimit(e, limit) {
			return e
		}
	}
	return nil
}

// leastLoaded is least connection (spec §7.2): the endpoint below the
// limit with the fewest requests in flight, ties broken at random.
func leastLoaded(eps []*nats.Endpoint, limit int64) *nats.Endpoint {
	var best *nats.Endpoint
	var bestLoad int64
	ties := 0
	for _, e := range eps {
		if !belowLimit(e, limit) {
			continue
		}
		switch load := e.InFlight().Load(); {
		case best == nil || load < bestLoad:
			best, bestLoad, ties = e, load, 1
		case load == bestLoad:
			// Each of the tied endpoints is kept with equal chance.
			ties++
			if rand.IntN(ties) == 0 {
				best = e
			}
		}
	}
	return best
}
