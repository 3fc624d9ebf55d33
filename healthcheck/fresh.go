package healthcheck

import "sync"

// maxFresh bounds the endpoints waiting for their first probe. Beyond it
// new endpoints wait for the next regular round; it also bounds the memory
// held when probes are configured but Run is never called.
const maxFresh = 1024

// freshQueue holds the endpoints created since the prober last looked, so
// that a new endpoint is probed at once instead of up to an Interval
// later.
type freshQueue struct {
	mu    sync.Mutex
	eps   []*Endpoint
	ready chan struct{} // capacity 1: there are endpoints to take
}

func newFreshQueue() freshQueue { return freshQueue{ready: make(chan struct{}, 1)} }

func (q *freshQueue) add(e *Endpoint) {
	q.mu.Lock()
	if len(q.eps) < maxFresh {
		q.eps = append(q.eps, e)
	}
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default: // already signalled
	}
}

// take empties the queue.
func (q *freshQueue) take() []*Endpoint {
	q.mu.Lock()
	defer q.mu.Unlock()
	eps := q.eps
	q.eps = nil
	return eps
}
