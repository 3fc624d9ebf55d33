package frontconn

import (
	"sync"
	"sync/atomic"
)

// budget is the memory a listener's connections may hold, together, for
// incomplete request heads beyond their own allowance.
type budget struct {
	limit int64
	used  atomic.Int64
	peak  atomic.Int64 // highest used, for tests
}

// take reserves n bytes, or reports that they are not there.
func (b *budget) take(n int64) bool {
	for {
		u := b.used.Load()
		if u+n > b.limit {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			for {
				p := b.peak.Load()
				if u+n <= p || b.peak.CompareAndSwap(p, u+n) {
					return true
				}
			}
		}
	}
}

func (b *budget) give(n int64) { b.used.Add(-n) }

// headBufs recycles the allowance-sized buffers that hold request heads
// while they arrive, so that a steady stream of requests allocates none.
var headBufs = sync.Pool{New: func() any { return new([allowance]byte) }}
