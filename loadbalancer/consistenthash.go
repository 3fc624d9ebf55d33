package loadbalancer

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/cespare/xxhash/v2"

	"github.com/skiff-proxy/skiff/filters"
)

// virtualNodes is the number of ring positions per endpoint. More evens
// out the keys per endpoint (the spread shrinks with the square root) at
// the cost of a larger ring.
const virtualNodes = 100

// ringNode is one position of the consistent-hash ring.
type ringNode struct {
	hash   uint64
	member int32
}

// newRing places each member at the xxhash64 of "<address>-<j>" for j <
// virtualNodes, address being scheme://host:port. The positions depend on
// the address alone, so an endpoint added or removed moves only the keys
// of its own positions, and every proxy instance builds the same ring.
func newRing(members []Member) []ringNode {
	ring := make([]ringNode, 0, len(members)*virtualNodes)
	var buf []byte
	for i, m := range members {
		buf = append(append(append(buf[:0], m.Scheme...), "://"...), m.Host...)
		buf = append(buf, '-')
		base := len(buf)
		for j := range virtualNodes {
			buf = strconv.AppendInt(buf[:base], int64(j), 10)
			ring = append(ring, ringNode{hash: xxhash.Sum64(buf), member: int32(i)})
		}
	}
	slices.SortFunc(ring, func(a, b ringNode) int {
		if a.hash != b.hash {
			if a.hash < b.hash {
				return -1
			}
			return 1
		}
		return int(a.member - b.member) // equal hashes: any fixed order
	})
	return ring
}

// pickConsistentHash returns the candidate owning the request's key: the
// first ring position at or after the key's hash whose endpoint is a
// candidate. Hidden endpoints stay on the ring, so their keys go to the
// next position while they are hidden and come back afterwards.
//
// With a balance factor f in the state bag (bounded load), the walk goes
// on past candidates with more than f times the average in-flight count,
// the request itself included: avg = (Σ in-flight + 1) / candidates. Some
// candidate is always at or below the average, so the walk ends, and no
// endpoint gets beyond f·avg + 1.
func pickConsistentHash(ring []ringNode, c view, members []Member, r *http.Request, bag map[string]any) int {
	h := keyHash(r, bag)
	start := ringSearch(ring, h)
	f, bounded := bag[filters.ConsistentHashBalance].(float64)
	var target float64
	if bounded {
		var sum int64
		for k := range c.n {
			sum += members[c.at(k)].Endpoint.InFlight()
		}
		target = float64(sum+1) / float64(c.n) * f
	}
	first := -1
	for k := range ring {
		pos := start + k
		if pos >= len(ring) {
			pos -= len(ring)
		}
		i := int(ring[pos].member)
		if !c.has(i) {
			continue
		}
		if !bounded || float64(members[i].Endpoint.InFlight()) <= target {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	// Counts moved under the walk: take the key's own candidate.
	return first
}

// ringSearch returns the position of the first node with a hash ≥ h,
// wrapping past the end to 0.
func ringSearch(ring []ringNode, h uint64) int {
	lo, hi := 0, len(ring)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ring[mid].hash < h {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(ring) {
		return 0
	}
	return lo
}
