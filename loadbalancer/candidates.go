package loadbalancer

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/healthcheck"
)

// Why a member is hidden from one request: bits of its flag byte.
const (
	hideHealth  uint8 = 1 << iota // dead or lame duck
	hideFade                      // fade-in drew against it
	hidePassive                   // the passive health check dropped it
	hideExclude                   // an endpoint that failed this request
)

// maxStack is the largest pool whose per-request candidate list lives on
// Select's stack; larger pools borrow one from scratches.
const maxStack = 64

// view is the candidates of one request: every member of the pool (idx ==
// nil, the usual case, for which no list is built), or the members listed
// in idx in pool order.
type view struct {
	n     int     // number of candidates
	idx   []int32 // member indices; nil when all members are candidates
	flags []uint8 // per member: why it is hidden
	mask  uint8   // which reasons count for this request
}

// at returns the member index of the k-th candidate.
func (c view) at(k int) int {
	if c.idx == nil {
		return k
	}
	return int(c.idx[k])
}

// after returns the position of the first candidate whose member index
// is greater than i, wrapping around to 0.
func (c view) after(i int) int {
	if c.idx == nil {
		if i+1 >= c.n {
			return 0
		}
		return i + 1
	}
	lo, hi := 0, len(c.idx)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if int(c.idx[mid]) <= i {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(c.idx) {
		return 0
	}
	return lo
}

// has reports whether member i is a candidate.
func (c view) has(i int) bool {
	return c.idx == nil || c.flags[i]&c.mask == 0
}

// scratch is the candidate storage of a request to a pool larger than
// maxStack, reused through scratches.
type scratch struct {
	flags []uint8
	idx   []int32
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func getScratch(n int) *scratch {
	s := scratches.Get().(*scratch)
	if cap(s.flags) < n {
		s.flags = make([]uint8, n)
		s.idx = make([]int32, 0, n)
	}
	s.flags = s.flags[:n]
	return s
}

// hide decides which members of p the request may go to, in the order
// of docs/loadbalancing.md: health state, fade-in, passive health, then the
// endpoints of failed attempts. Each stage that would leave nothing
// is not applied (fail open), and the passive stage is not applied either
// when it would drop more than the configured share of the endpoints left.
// It sets each member's reasons in flags (len(p.members) long) and
// returns the reasons that count; hidden is false when every member is a
// candidate, the usual case, for which no list needs to be built.
func (b *Balancer) hide(p *pool, flags []uint8, exclude []*healthcheck.Endpoint) (mask uint8, hidden bool) {
	n := len(p.members)
	var (
		now     int64 // read on first need: a healthy pool without fade-in never reads the clock
		haveNow bool
		fadeR   = -1.0   // the request's draw against fade-in scores, on first need
		dropR   = -1.0   // the request's draw against drop probabilities, on first need
		count   [8]int32 // members by hide flags (exclusion aside)
		nx      int      // members in exclude
		fading  = b.fade.duration > 0
		passive = b.passive != nil
	)
	for i := range p.members {
		e := p.members[i].Endpoint
		var f uint8
		if e.State() != healthcheck.Healthy {
			if !haveNow {
				now, haveNow = b.now(), true
			}
			if !e.Usable(time.Unix(0, now)) {
				f |= hideHealth
			}
		}
		if fading {
			if !haveNow {
				now, haveNow = b.now(), true
			}
			if s, young := b.fade.score(now - e.DetectedNano()); young {
				if fadeR < 0 {
					fadeR = rand.Float64()
				}
				if fadeR >= s {
					f |= hideFade
				}
			}
		}
		if passive {
			if d := e.DropProbability(); d > 0 {
				if dropR < 0 {
					dropR = rand.Float64()
				}
				if dropR < d {
					f |= hidePassive
				}
			}
		}
		flags[i] = f
		count[f]++
		if len(exclude) > 0 && excluded(e, exclude) {
			flags[i] |= hideExclude // after counting: count has 8 slots
			nx++
		}
	}
	if int(count[0]) == n && nx == 0 {
		return 0, false
	}

	if left(&count, hideHealth) > 0 {
		mask = hideHealth
	} else if p.failOpenLogged.CompareAndSwap(false, true) {
		b.reg.Log().WithField("route", b.route).Warn("route " + b.route + ": every endpoint is dead or lame duck; sending to all of them")
	}
	if left(&count, mask|hideFade) > 0 {
		mask |= hideFade
	}
	if passive {
		before, after := left(&count, mask), left(&count, mask|hidePassive)
		if after > 0 && float64(before-after) <= float64(before)*b.passive.MaxUnhealthyEndpointsRatio {
			mask |= hidePassive
			if before > after {
				b.reg.PassiveDropped(int(before - after))
			}
		}
	}
	kept := int(left(&count, mask))
	if nx > 0 {
		tried := 0
		for _, f := range flags {
			if f&hideExclude != 0 && f&mask == 0 {
				tried++
			}
		}
		switch {
		case tried < kept:
			mask |= hideExclude
			kept -= tried
		case nx < n:
			// Every candidate failed this request: the others, hidden
			// or not, are better than the ones that just failed.
			mask, kept = hideExclude, n-nx
		}
	}
	return mask, kept < n
}

// listed returns the view of the members none of whose flags are in mask,
// listing them in idx (empty, with room for all).
func listed(flags []uint8, mask uint8, idx []int32) view {
	for i, f := range flags {
		if f&mask == 0 {
			idx = append(idx, int32(i))
		}
	}
	return view{n: len(idx), idx: idx, flags: flags, mask: mask}
}

// left counts the members none of whose hide flags are in mask.
func left(count *[8]int32, mask uint8) int32 {
	var s int32
	for f, c := range count {
		if uint8(f)&mask == 0 {
			s += c
		}
	}
	return s
}
