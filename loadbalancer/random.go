package loadbalancer

import "math/rand/v2"

// pickRandom chooses a candidate uniformly. The top-level functions of
// math/rand/v2 draw from a per-thread generator, so there is no lock for
// the requests of one route to queue on (skipper's per-route generator
// has one).
func pickRandom(c view) int {
	return c.at(rand.IntN(c.n))
}
