package loadbalancer

import (
	"math/rand/v2"
	"sync/atomic"
)

// RoundRobin is the name of the default algorithm.
const RoundRobin = "roundRobin"

// roundRobin rotates over the candidates with one lock-free cursor per
// pool. The cursor starts at a random position so that many proxy
// instances (or a fresh table) do not all hit the first endpoint first.
type roundRobin struct {
	cursor atomic.Uint64
}

func (rr *roundRobin) start(endpoints int) {
	if endpoints > 1 {
		rr.cursor.Store(uint64(rand.IntN(endpoints)))
	}
}

func (rr *roundRobin) next(n int) int {
	return int(rr.cursor.Add(1) % uint64(n))
}
