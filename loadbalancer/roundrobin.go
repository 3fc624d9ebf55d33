package loadbalancer

import (
	"math/rand/v2"
	"net/http"
	"sync/atomic"

	"github.com/skiff-proxy/skiff/routing"
)

// RoundRobin is the name of the default algorithm.
const RoundRobin = "roundRobin"

// roundRobin rotates over the candidates with one lock-free cursor per
// route instance. The cursor starts at a random position so that many proxy
// instances (or a fresh table) do not all hit the first endpoint first.
type roundRobin struct {
	cursor atomic.Uint64
}

func newRoundRobin(endpoints int) *roundRobin {
	rr := &roundRobin{}
	if endpoints > 1 {
		rr.cursor.Store(uint64(rand.IntN(endpoints)))
	}
	return rr
}

// Select returns the next endpoint index, stepping over skip.
func (rr *roundRobin) Select(_ *http.Request, _ map[string]any, endpoints []routing.LBEndpoint, skip int) int {
	n := uint64(len(endpoints))
	switch n {
	case 0, 1:
		return 0
	}
	i := int(rr.cursor.Add(1) % n)
	if i == skip {
		i = int(rr.cursor.Add(1) % n)
	}
	return i
}
