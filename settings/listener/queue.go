package listener

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of Queue, skipper's.
const (
	// DefaultMemoryLimit is the memory assumed when no cgroup limit is
	// found, for a concurrency derived from ExpectedBytesPerRequest.
	DefaultMemoryLimit = 150 * 1000 * 1000
	// MaxMemoryLimit caps the cgroup limit used for that.
	MaxMemoryLimit = 1 << 32
	// DefaultExpectedBytesPerRequest is skipper's
	// -expected-bytes-per-request.
	DefaultExpectedBytesPerRequest = 50 * 1024
	// MaxDerivedQueue caps a queue length derived from the concurrency.
	MaxDerivedQueue = 50_000
)

// QueueOptions configure Queue.
type QueueOptions struct {
	// MaxConcurrency is the number of connections handed out by Accept
	// and not yet closed. Zero or less: the memory limit (the cgroup's,
	// at most 4 GiB, else DefaultMemoryLimit) divided by
	// ExpectedBytesPerRequest, at least 1.
	MaxConcurrency int
	// ExpectedBytesPerRequest is the memory a connection is assumed to
	// take (default DefaultExpectedBytesPerRequest).
	ExpectedBytesPerRequest int
	// MaxQueue is the number of accepted connections waiting for a slot.
	// Zero or less: ten times MaxConcurrency, at most MaxDerivedQueue.
	// When it is full the connection that waited longest is closed.
	MaxQueue int
	// Timeout closes a connection that waited longer for a slot; zero:
	// no limit. Skipper uses the read header timeout.
	Timeout time.Duration
	// memoryLimit replaces the cgroup's in tests (0: read it).
	memoryLimit int64
}

// Limits returns the concurrency and queue length o resolves to.
func (o QueueOptions) Limits() (concurrency, queue int) {
	concurrency = o.MaxConcurrency
	if concurrency <= 0 {
		mem := o.memoryLimit
		if mem <= 0 {
			mem = cgroupMemoryLimit()
		}
		if mem <= 0 {
			mem = DefaultMemoryLimit
		}
		mem = min(mem, MaxMemoryLimit)
		per := o.ExpectedBytesPerRequest
		if per <= 0 {
			per = DefaultExpectedBytesPerRequest
		}
		concurrency = max(int(mem/int64(per)), 1)
	}
	queue = o.MaxQueue
	if queue <= 0 {
		queue = min(10*concurrency, MaxDerivedQueue)
	}
	return concurrency, queue
}

// cgroupMemoryLimit reads the memory limit of the process's cgroup (v2,
// then v1); 0 when there is none.
func cgroupMemoryLimit() int64 {
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// Queue returns ln handing out at most MaxConcurrency connections at a
// time: a connection counts from Accept until it is closed. Connections
// beyond that are accepted from ln at once and wait; when a slot frees,
// Accept returns the one that arrived last (a client that has just
// connected is more likely still to be waiting than one that connected
// long ago). Waiting connections beyond MaxQueue, the longest waiting
// first, and those that waited longer than Timeout are closed.
//
// Queue owns a goroutine accepting from ln; Close stops it, closes ln and
// the waiting connections, and waits for the goroutine.
func Queue(ln net.Listener, o QueueOptions) net.Listener {
	concurrency, queue := o.Limits()
	q := &queueListener{
		Listener: ln,
		max:      concurrency,
		maxQueue: queue,
		timeout:  o.Timeout,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	go q.acceptLoop()
	return q
}

type waiting struct {
	c     net.Conn
	since time.Time
}

type queueListener struct {
	net.Listener
	max, maxQueue int
	timeout       time.Duration

	mu     sync.Mutex
	queue  []waiting // oldest first
	active int
	err    error // of ln.Accept, for the next Accept
	closed bool

	wake      chan struct{} // a connection arrived or a slot freed
	done      chan struct{} // closed by Close
	loopDone  chan struct{}
	closeOnce sync.Once
}

func (q *queueListener) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queueListener) acceptLoop() {
	defer close(q.loopDone)
	backoff := time.Duration(0)
	for {
		c, err := q.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				q.mu.Lock()
				if q.err == nil {
					q.err = err
				}
				q.mu.Unlock()
				q.signal()
				return
			}
			// Hand the error to Accept (net/http retries temporary ones)
			// and do not spin on a listener that keeps failing.
			q.mu.Lock()
			q.err = err
			q.mu.Unlock()
			q.signal()
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
				continue
			case <-q.done:
				return
			}
		}
		backoff = 0
		var drop []net.Conn
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			c.Close()
			return
		}
		now := time.Now()
		drop = q.expire(now, drop)
		q.queue = append(q.queue, waiting{c, now})
		for len(q.queue) > q.maxQueue {
			drop = append(drop, q.queue[0].c)
			q.queue[0] = waiting{}
			q.queue = q.queue[1:]
		}
		q.mu.Unlock()
		for _, d := range drop {
			d.Close()
		}
		q.signal()
	}
}

// expire moves the connections that waited longer than the timeout to
// drop; q.mu is held.
func (q *queueListener) expire(now time.Time, drop []net.Conn) []net.Conn {
	if q.timeout <= 0 {
		return drop
	}
	n := 0
	for n < len(q.queue) && now.Sub(q.queue[n].since) > q.timeout {
		drop = append(drop, q.queue[n].c)
		q.queue[n] = waiting{}
		n++
	}
	q.queue = q.queue[n:]
	return drop
}

// Accept returns the newest waiting connection once fewer than
// MaxConcurrency are open.
func (q *queueListener) Accept() (net.Conn, error) {
	for {
		var drop []net.Conn
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, net.ErrClosed
		}
		now := time.Now()
		drop = q.expire(now, drop)
		if q.active < q.max && len(q.queue) > 0 {
			w := q.queue[len(q.queue)-1]
			q.queue[len(q.queue)-1] = waiting{}
			q.queue = q.queue[:len(q.queue)-1]
			q.active++
			q.mu.Unlock()
			closeAll(drop)
			return &queueConn{Conn: w.c, q: q}, nil
		}
		if err := q.err; err != nil {
			if !errors.Is(err, net.ErrClosed) {
				q.err = nil
			}
			q.mu.Unlock()
			closeAll(drop)
			return nil, err
		}
		// Wake up when the oldest waiting connection times out, to close it.
		var timer *time.Timer
		var expiry <-chan time.Time
		if q.timeout > 0 && len(q.queue) > 0 {
			timer = time.NewTimer(q.timeout - now.Sub(q.queue[0].since) + time.Millisecond)
			expiry = timer.C
		}
		q.mu.Unlock()
		closeAll(drop)
		select {
		case <-q.wake:
		case <-expiry:
		case <-q.done:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

func closeAll(cs []net.Conn) {
	for _, c := range cs {
		c.Close()
	}
}

// Close closes ln and every waiting connection and stops the accepting
// goroutine. Connections handed out stay open.
func (q *queueListener) Close() error {
	var err error
	q.closeOnce.Do(func() {
		q.mu.Lock()
		q.closed = true
		waiting := q.queue
		q.queue = nil
		q.mu.Unlock()
		close(q.done)
		err = q.Listener.Close()
		<-q.loopDone
		for _, w := range waiting {
			w.c.Close()
		}
		// A connection the loop accepted while closing.
		q.mu.Lock()
		rest := q.queue
		q.queue = nil
		q.mu.Unlock()
		for _, w := range rest {
			w.c.Close()
		}
	})
	return err
}

// Active is the number of connections handed out and not closed.
func (q *queueListener) Active() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active
}

// queueConn frees its slot when closed.
type queueConn struct {
	net.Conn
	q    *queueListener
	once sync.Once
}

func (c *queueConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.q.mu.Lock()
		c.q.active--
		c.q.mu.Unlock()
		c.q.signal()
	})
	return err
}

// CloseWrite shuts down the writing side of the connection.
func (c *queueConn) CloseWrite() error {
	if cw, ok := c.Conn.(closeWriter); ok {
		return cw.CloseWrite()
	}
	return errNoCloseWrite
}
