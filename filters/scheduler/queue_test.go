package scheduler

import (
	"context"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func queued(q *queue) int { return q.stats().Queued }

// enqueue starts n waiters one after the other (each queued before the
// next comes) and returns their results in the order they finished.
func enqueue(t *testing.T, ctx context.Context, q *queue, n int) (order chan int, results []error, wg *sync.WaitGroup) {
	t.Helper()
	order = make(chan int, n)
	results = make([]error, n)
	wg = &sync.WaitGroup{}
	before := queued(q)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = q.wait(ctx)
			order <- i
			if results[i] == nil {
				q.release()
			}
		}()
		waitFor(t, "waiter queued", func() bool { return queued(q) == before+i+1 })
	}
	return order, results, wg
}

func TestQueueOrder(t *testing.T) {
	for _, tc := range []struct {
		kind kind
		want []int
	}{
		{kindFifo, []int{0, 1, 2, 3}},
		{kindLifo, []int{3, 2, 1, 0}},
		{kindGroup, []int{3, 2, 1, 0}},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			q := newQueue(queueKey{tc.kind, "r"}, settings{maxConcurrency: 1, maxQueue: 10, timeout: time.Minute})
			if err := q.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			order, results, wg := enqueue(t, context.Background(), q, 4)
			q.release()
			wg.Wait()
			close(order)
			var got []int
			for i := range order {
				got = append(got, i)
			}
			for i, err := range results {
				if err != nil {
					t.Errorf("waiter %d: %v", i, err)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("order %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("order %v, want %v", got, tc.want)
				}
			}
			st := q.stats()
			if st.Active != 0 || st.Queued != 0 || st.Admitted != 5 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestQueueFull: a full fifo queue turns the newcomer away; a full lifo
// queue the oldest waiter, and the newcomer waits (skipper's jobqueue).
func TestQueueFull(t *testing.T) {
	for _, tc := range []struct {
		kind       kind
		turnedAway int // waiter index, 2 = the newcomer
	}{
		{kindFifo, 2},
		{kindLifo, 0},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			q := newQueue(queueKey{tc.kind, "r"}, settings{maxConcurrency: 1, maxQueue: 2, timeout: time.Minute})
			if err := q.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, results, wg := enqueue(t, context.Background(), q, 2)
			newcomer := make(chan error, 1)
			go func() {
				err := q.wait(context.Background())
				newcomer <- err
				if err == nil {
					q.release()
				}
			}()
			if tc.turnedAway == 2 {
				if err := <-newcomer; err != errFull {
					t.Fatalf("newcomer: %v, want errFull", err)
				}
			} else {
				waitFor(t, "oldest turned away", func() bool { return q.stats().RejectedFull == 1 })
			}
			q.release()
			wg.Wait()
			if tc.turnedAway == 0 {
				if err := <-newcomer; err != nil {
					t.Fatalf("newcomer: %v", err)
				}
				if results[0] != errFull || results[1] != nil {
					t.Fatalf("waiters: %v, want [queue full, nil]", results)
				}
			} else if results[0] != nil || results[1] != nil {
				t.Fatalf("waiters: %v", results)
			}
			if st := q.stats(); st.RejectedFull != 1 || st.Active != 0 || st.Queued != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestQueueNoQueue: fifo with a queue size of 0 only runs what fits; lifo
// with 0 (maxQueue -1) queues without limit.
func TestQueueSizeZero(t *testing.T) {
	q := newQueue(queueKey{kindFifo, "r"}, settings{maxConcurrency: 1, maxQueue: 0, timeout: time.Minute})
	if err := q.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := q.wait(context.Background()); err != errFull {
		t.Fatalf("second: %v, want errFull", err)
	}
	q.release()

	l := newQueue(queueKey{kindLifo, "r"}, settings{maxConcurrency: 1, maxQueue: -1, timeout: time.Minute})
	if err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, results, wg := enqueue(t, context.Background(), l, 50)
	l.release()
	wg.Wait()
	for i, err := range results {
		if err != nil {
			t.Fatalf("waiter %d: %v", i, err)
		}
	}
}

func TestQueueTimeout(t *testing.T) {
	q := newQueue(queueKey{kindFifo, "r"}, settings{maxConcurrency: 1, maxQueue: 5, timeout: 30 * time.Millisecond})
	if err := q.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := q.wait(context.Background()); err != errTimeout {
		t.Fatalf("got %v, want errTimeout", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("gave up after %v", d)
	}
	if st := q.stats(); st.RejectedTimeout != 1 || st.Queued != 0 || st.Active != 1 {
		t.Errorf("stats %+v", st)
	}
	q.release()
}

// TestQueueLeave: a waiter whose context ends leaves the queue at once and
// its place goes to the next.
func TestQueueLeave(t *testing.T) {
	q := newQueue(queueKey{kindFifo, "r"}, settings{maxConcurrency: 1, maxQueue: 1, timeout: time.Minute})
	if err := q.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan error, 1)
	go func() { left <- q.wait(ctx) }()
	waitFor(t, "queued", func() bool { return queued(q) == 1 })
	cancel()
	if err := <-left; err != errLeft {
		t.Fatalf("got %v, want errLeft", err)
	}
	// Its place is free: the next one waits instead of being turned away.
	_, results, wg := enqueue(t, context.Background(), q, 1)
	q.release()
	wg.Wait()
	if results[0] != nil {
		t.Fatal(results[0])
	}
	if st := q.stats(); st.Left != 1 || st.RejectedFull != 0 {
		t.Errorf("stats %+v", st)
	}
	// A context that is done already does not enter.
	if err := q.wait(ctx); err != errLeft {
		t.Fatalf("done context: %v", err)
	}
}

func TestQueueConfigure(t *testing.T) {
	q := newQueue(queueKey{kindFifo, "r"}, settings{maxConcurrency: 1, maxQueue: 5, timeout: time.Minute})
	if err := q.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, results, wg := enqueue(t, context.Background(), q, 4)
	// More concurrency admits two waiters at once; a queue of one turns
	// away the newest beyond it.
	q.configure(settings{maxConcurrency: 3, maxQueue: 1, timeout: time.Minute}, 1)
	q.release()
	wg.Wait()
	if results[0] != nil || results[1] != nil || results[2] != nil || results[3] != errFull {
		t.Errorf("results %v", results)
	}
	// Older settings do not come back.
	q.configureIfNewer(settings{maxConcurrency: 9, maxQueue: 9, timeout: time.Second}, 1)
	if st := q.stats(); st.MaxConcurrency != 3 {
		t.Errorf("older settings applied: %+v", st)
	}
	q.configureIfNewer(settings{maxConcurrency: 9, maxQueue: 9, timeout: time.Second}, 2)
	if st := q.stats(); st.MaxConcurrency != 9 || st.MaxQueueSize != 9 || st.Timeout != "1s" {
		t.Errorf("newer settings not applied: %+v", st)
	}
}

func TestQueueClose(t *testing.T) {
	q := newQueue(queueKey{kindLifo, "r"}, settings{maxConcurrency: 1, maxQueue: 5, timeout: time.Minute})
	if err := q.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, results, wg := enqueue(t, context.Background(), q, 2)
	q.close()
	wg.Wait()
	if results[0] != errClosed || results[1] != errClosed {
		t.Errorf("results %v", results)
	}
	if err := q.wait(context.Background()); err != errClosed {
		t.Errorf("after close: %v", err)
	}
	q.release()
}

// TestQueueRace hammers a queue; every slot taken is given back.
func TestQueueRace(t *testing.T) {
	q := newQueue(queueKey{kindLifo, "r"}, settings{maxConcurrency: 3, maxQueue: 5, timeout: 5 * time.Millisecond})
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%7)*time.Millisecond)
			defer cancel()
			for range 20 {
				if q.wait(ctx) == nil {
					time.Sleep(100 * time.Microsecond)
					q.release()
				}
			}
		}()
	}
	wg.Wait()
	if st := q.stats(); st.Active != 0 || st.Queued != 0 {
		t.Errorf("left behind: %+v", st)
	}
}
