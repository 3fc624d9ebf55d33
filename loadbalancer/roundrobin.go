package loadbalancer

import (
	"math/rand/v2"
	"sync/atomic"
)

// roundRobin rotates over the candidates with one lock-free cursor per
// pool. The cursor starts at a random position so that many proxy
// instances (or a fresh table) do not all hit the first endpoint first.
// The modulus is the number of candidates of the request, so while some
// endpoints are hidden the rotation is uneven; it evens out again when
// they come back.
type roundRobin struct {
	cursor atomic.Uint64
}

func (rr *roundRobin) start(endpoints int) {
	if endpoints > 1 {
		rr.cursor.Store(uint64(rand.IntN(endpoints)))
	}
}

// next returns the next position in [0, n).
func (rr *roundRobin) next(n int) int {
	return int(rr.cursor.Add(1) % uint64(n))
}

func (rr *roundRobin) pick(c view) int {
	return c.at(rr.next(c.n))
}
