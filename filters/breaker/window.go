package breaker

import "sync"

// window remembers the last n outcomes of a rate breaker. gobreaker only
// counts since the last state change, so the count-based window of the
// rateBreaker is kept here and consulted from ReadyToTrip.
type window struct {
	mu       sync.Mutex
	failed   []bool
	next     int
	filled   int
	failures int
}

func newWindow(n int) *window { return &window{failed: make([]bool, n)} }

func (w *window) record(success bool) {
	w.mu.Lock()
	if w.filled == len(w.failed) {
		if w.failed[w.next] {
			w.failures--
		}
	} else {
		w.filled++
	}
	w.failed[w.next] = !success
	if !success {
		w.failures++
	}
	w.next++
	if w.next == len(w.failed) {
		w.next = 0
	}
	w.mu.Unlock()
}

func (w *window) failureCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failures
}

func (w *window) reset() {
	w.mu.Lock()
	clear(w.failed)
	w.next, w.filled, w.failures = 0, 0, 0
	w.mu.Unlock()
}
