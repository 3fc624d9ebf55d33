package ratelimit

// hits is the sliding-window log of one client: the times (unix ns) of the
// requests admitted during the last window, oldest first, in a ring that
// grows up to maxHits.
type hits struct {
	ts    []int64
	head  int
	count int
}

func (h *hits) newest() int64 {
	if h.count == 0 {
		return 0
	}
	return h.ts[(h.head+h.count-1)%len(h.ts)]
}

// allow admits a request at now if fewer than max requests happened in
// (now-window, now]; otherwise it returns how long until one slot frees.
func (h *hits) allow(now, window int64, max int) (bool, int64) {
	for h.count > 0 && h.ts[h.head] <= now-window {
		h.head++
		if h.head == len(h.ts) {
			h.head = 0
		}
		h.count--
	}
	if h.count >= max {
		return false, h.ts[h.head] + window - now
	}
	if h.count == len(h.ts) {
		h.grow(max)
	}
	h.ts[(h.head+h.count)%len(h.ts)] = now
	h.count++
	return true, 0
}

func (h *hits) grow(max int) {
	n := 2 * len(h.ts)
	if n < 4 {
		n = 4
	}
	if n > max {
		n = max
	}
	ts := make([]int64, n)
	for i := 0; i < h.count; i++ {
		ts[i] = h.ts[(h.head+i)%len(h.ts)]
	}
	h.ts, h.head = ts, 0
}
