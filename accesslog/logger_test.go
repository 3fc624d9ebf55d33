package accesslog

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"
)

// gate blocks writes until released, so a test can fill the queue.
// entered, if set, is closed when the first write starts waiting.
type gate struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	release chan struct{}
	entered chan struct{}
	once    sync.Once
}

func (g *gate) Write(p []byte) (int, error) {
	if g.entered != nil {
		g.once.Do(func() { close(g.entered) })
	}
	<-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.Write(p)
}

func (g *gate) String() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.String()
}

func TestLoggerWritesAndCloseDrains(t *testing.T) {
	for _, jsonFormat := range []bool{false, true} {
		g := &gate{release: make(chan struct{})}
		close(g.release)
		l := New(Options{Output: g, JSON: jsonFormat})
		const n = 100
		for i := 0; i < n; i++ {
			e := sampleEntry()
			l.Log(e)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(g.String(), "\n")
		if lines != n {
			t.Errorf("json=%v: %d lines written, want %d", jsonFormat, lines, n)
		}
		if l.Dropped() != 0 {
			t.Errorf("json=%v: dropped %d", jsonFormat, l.Dropped())
		}
	}
}

func TestLoggerDropsWhenFull(t *testing.T) {
	g := &gate{release: make(chan struct{}), entered: make(chan struct{})}
	const queue = 8
	log, hook := test.NewNullLogger()
	l := New(Options{Output: g, QueueSize: queue, Log: log})
	// One entry first, and wait until the writer is stuck writing it
	// (it flushes once FlushInterval passed): then the queue holds exactly
	// queue more, whatever the scheduling, and the rest is dropped.
	l.Log(sampleEntry())
	<-g.entered
	const sent = 50
	for i := 1; i < sent; i++ {
		l.Log(sampleEntry())
	}
	dropped := l.Dropped()
	if dropped != sent-1-queue {
		t.Errorf("dropped %d, want %d", dropped, sent-1-queue)
	}
	close(g.release)
	l.Close()
	written := strings.Count(g.String(), "\n")
	if uint64(written)+l.Dropped() != sent {
		t.Errorf("written %d + dropped %d != sent %d", written, l.Dropped(), sent)
	}
	if e := hook.LastEntry(); e == nil || !strings.Contains(e.Message, "entries dropped") {
		t.Errorf("no warning about dropped entries: %v", e)
	}
	l.Log(sampleEntry())
	if l.Dropped() != dropped+1 {
		t.Errorf("Log after Close not counted as dropped")
	}
	l.Close() // second Close is harmless
}

// countingWriter counts the writes that reach it.
type countingWriter struct {
	mu     sync.Mutex
	writes int
	buf    bytes.Buffer
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	return c.buf.Write(p)
}

func (c *countingWriter) counts() (writes, lines int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes, strings.Count(c.buf.String(), "\n")
}

// TestLoggerBatchesWrites pins the writer's batching: a steady stream of
// entries reaches the output in about one write per FlushInterval, not
// one per entry, and every entry is out within a few intervals without
// Close.
func TestLoggerBatchesWrites(t *testing.T) {
	out := &countingWriter{}
	const interval = 20 * time.Millisecond
	l := New(Options{Output: out, FlushInterval: interval})
	defer l.Close()
	const n = 400
	start := time.Now()
	for i := range n {
		l.Log(sampleEntry())
		if i%10 == 9 {
			time.Sleep(time.Millisecond)
		}
	}
	took := time.Since(start)
	deadline := time.Now().Add(5 * time.Second)
	for {
		writes, lines := out.counts()
		if lines == n {
			// The stream took took; one write per interval, and a few
			// more for scheduling, is the bound. One per entry would be
			// n.
			if limit := int(took/interval) + 5; writes > limit {
				t.Errorf("%d writes for %d entries over %v, want at most %d", writes, n, took, limit)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines written without Close after 5s", lines, n)
		}
		time.Sleep(interval / 4)
	}
	if l.Dropped() != 0 {
		t.Errorf("dropped %d", l.Dropped())
	}
}

// TestLoggerDrainsHalfFullQueue: a burst that fills half the queue is
// written before the interval ends, so that a long interval does not
// turn a burst into drops.
func TestLoggerDrainsHalfFullQueue(t *testing.T) {
	out := &countingWriter{}
	const queue = 64
	l := New(Options{Output: out, QueueSize: queue, FlushInterval: time.Hour})
	defer l.Close()
	l.Log(sampleEntry()) // the writer turns busy: waiting for the hour
	time.Sleep(10 * time.Millisecond)
	for range 3 * queue {
		l.Log(sampleEntry())
		time.Sleep(100 * time.Microsecond) // a burst the writer can keep up with when kicked
	}
	if d := l.Dropped(); d != 0 {
		t.Errorf("dropped %d entries of a burst of %d with a queue of %d", d, 3*queue, queue)
	}
}
