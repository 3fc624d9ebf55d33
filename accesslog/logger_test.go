package accesslog

import (
	"bytes"
	"strings"
	"sync"
	"testing"

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
	// (bufio flushes on an empty queue): then the queue holds exactly
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
