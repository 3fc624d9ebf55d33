package scheduler

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Why a request did not get a slot.
var (
	errFull    = errors.New("queue full")
	errTimeout = errors.New("queue timeout")
	errLeft    = errors.New("client left while queued")
	errClosed  = errors.New("queue closed")
)

// settings are the limits of one queue.
type settings struct {
	maxConcurrency int
	// maxQueue is how many requests may wait; -1 means no limit.
	maxQueue int
	timeout  time.Duration
}

// The settings a group gets when none of its routes gives any, and the
// values skipper's lifo filters fall back to.
const (
	defaultMaxConcurrency = 100
	defaultMaxQueueSize   = 100
	defaultTimeout        = 10 * time.Second
)

var defaultSettings = settings{maxConcurrency: defaultMaxConcurrency, maxQueue: defaultMaxQueueSize, timeout: defaultTimeout}

// Waiter states, changed under queue.mu only.
const (
	waiting = iota
	granted
	rejected
)

// waiter is one queued request. Its verdict (nil for a slot) is sent on
// ch, which has room for it, by whoever takes it out of the queue.
type waiter struct {
	ch         chan error
	state      int
	prev, next *waiter
}

// queue bounds how many requests run at once and how many wait. Waiting
// requests are served oldest first (fifo) or newest first (lifo). When the
// queue is full a fifo queue turns the newcomer away, a lifo queue the
// oldest waiter, as skipper's (jobqueue) does. Each waiter gives up after
// the timeout, or when its client leaves. A queue starts no goroutine.
type queue struct {
	key  queueKey
	lifo bool

	mu     sync.Mutex
	set    settings
	setSeq uint64 // the creation number of the filter whose settings apply
	active int
	head   *waiter // oldest
	tail   *waiter // newest
	queued int
	closed bool

	admitted, full, timedOut, left uint64

	// Kept by the registry under its lock.
	refs     int       // filters bound to the queue
	orphaned time.Time // when refs dropped to 0
	grp      *group    // lifoGroup queues only
}

func newQueue(key queueKey, s settings) *queue {
	return &queue{key: key, lifo: key.kind != kindFifo, set: s}
}

func (q *queue) push(w *waiter) {
	w.prev = q.tail
	if q.tail != nil {
		q.tail.next = w
	} else {
		q.head = w
	}
	q.tail = w
	q.queued++
}

func (q *queue) remove(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		q.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		q.tail = w.prev
	}
	w.prev, w.next = nil, nil
	q.queued--
}

// rejectLocked takes w out of the queue with the verdict err.
func (q *queue) rejectLocked(w *waiter, err error) {
	q.remove(w)
	w.state = rejected
	w.ch <- err
}

// wait returns nil when the request may run; it must then call release
// exactly once. Otherwise it returns errFull, errTimeout, errLeft (ctx
// ended while waiting) or errClosed.
func (q *queue) wait(ctx context.Context) error {
	if ctx.Err() != nil {
		q.mu.Lock()
		q.left++
		q.mu.Unlock()
		return errLeft
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return errClosed
	}
	// Nobody waits while a slot is free: grantLocked fills free slots from
	// the queue at once.
	if q.active < q.set.maxConcurrency {
		q.active++
		q.admitted++
		q.mu.Unlock()
		return nil
	}
	if q.set.maxQueue >= 0 && q.queued >= q.set.maxQueue {
		if !q.lifo || q.queued == 0 {
			q.full++
			q.mu.Unlock()
			return errFull
		}
		q.full++
		q.rejectLocked(q.head, errFull)
	}
	w := &waiter{ch: make(chan error, 1)}
	q.push(w)
	timeout := q.set.timeout
	q.mu.Unlock()

	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-w.ch:
		return err
	case <-t.C:
		q.mu.Lock()
		if w.state == waiting {
			q.timedOut++
			q.rejectLocked(w, errTimeout)
		}
		q.mu.Unlock()
		// A slot given at the last moment is taken.
		return <-w.ch
	case <-ctx.Done():
		q.mu.Lock()
		if w.state == waiting {
			q.left++
			q.rejectLocked(w, errLeft)
			q.mu.Unlock()
			return <-w.ch
		}
		q.mu.Unlock()
		if err := <-w.ch; err == nil {
			q.release()
		}
		return errLeft
	}
}

// release frees a slot and hands it to the next waiter.
func (q *queue) release() {
	q.mu.Lock()
	q.active--
	q.grantLocked()
	q.mu.Unlock()
}

// grantLocked gives free slots to waiters: the oldest first in a fifo
// queue, the newest in a lifo one.
func (q *queue) grantLocked() {
	for q.active < q.set.maxConcurrency && q.queued > 0 {
		w := q.head
		if q.lifo {
			w = q.tail
		}
		q.remove(w)
		w.state = granted
		q.active++
		q.admitted++
		w.ch <- nil
	}
}

// configure applies s: more concurrency admits waiters at once; a smaller
// queue turns away the waiters beyond it (in a fifo queue the newest, in a
// lifo queue the oldest). Requests running keep their slots.
func (q *queue) configure(s settings, seq uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.set, q.setSeq = s, seq
	q.grantLocked()
	for s.maxQueue >= 0 && q.queued > s.maxQueue {
		w := q.tail
		if q.lifo {
			w = q.head
		}
		q.full++
		q.rejectLocked(w, errFull)
	}
}

// configureIfNewer applies s unless settings of a filter created later
// already apply.
func (q *queue) configureIfNewer(s settings, seq uint64) {
	q.mu.Lock()
	newer := seq > q.setSeq
	q.mu.Unlock()
	if newer {
		q.configure(s, seq)
	}
}

// close turns away the waiters and every later request.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	for q.head != nil {
		q.rejectLocked(q.head, errClosed)
	}
}

// idle reports whether no request runs or waits.
func (q *queue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active == 0 && q.queued == 0
}

func (q *queue) stats() QueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return QueueStats{
		Kind:            q.key.kind.String(),
		Name:            q.key.name,
		MaxConcurrency:  q.set.maxConcurrency,
		MaxQueueSize:    q.set.maxQueue,
		Timeout:         q.set.timeout.String(),
		Active:          q.active,
		Queued:          q.queued,
		Admitted:        q.admitted,
		RejectedFull:    q.full,
		RejectedTimeout: q.timedOut,
		Left:            q.left,
	}
}
