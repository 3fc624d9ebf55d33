package loadbalancer

import "math/rand/v2"

// choices is the N of powerOfRandomNChoices, fixed as in skipper.
const choices = 2

// pickPowerOfTwo draws two candidates uniformly with replacement and
// takes the one with fewer requests in flight (the first on a tie). Two
// draws already avoid most overloaded endpoints without looking at all of
// them, and they do not herd onto one endpoint the way taking the global
// minimum from stale counts can.
func pickPowerOfTwo(c view, members []Member) int {
	best := c.at(rand.IntN(c.n))
	load := members[best].Endpoint.InFlight()
	for range choices - 1 {
		i := c.at(rand.IntN(c.n))
		if l := members[i].Endpoint.InFlight(); l < load {
			best, load = i, l
		}
	}
	return best
}
