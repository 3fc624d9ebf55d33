package accesslog

import (
	"bufio"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// DefaultQueueSize is the number of entries that may wait for the writer.
const DefaultQueueSize = 4096

// Options configure a Logger.
type Options struct {
	Output     io.Writer // required
	JSON       bool      // JSON objects instead of combined-format lines
	StripQuery bool      // drop the query from the URI
	QueueSize  int       // DefaultQueueSize when 0
	// Log receives write errors (once per run of failures); nil discards them.
	Log logrus.FieldLogger
}

// Logger writes access log entries from its own goroutine.
type Logger struct {
	o       Options
	queue   chan Entry
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	closed  atomic.Bool
	dropped atomic.Uint64
}

// New starts the writer goroutine; Close stops it.
func New(o Options) *Logger {
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	l := &Logger{
		o:     o,
		queue: make(chan Entry, o.QueueSize),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go l.run()
	return l
}

// Log queues e without blocking. When the queue is full, or the logger is
// closed, the entry is dropped and counted.
func (l *Logger) Log(e Entry) {
	if l.closed.Load() {
		l.dropped.Add(1)
		return
	}
	select {
	case l.queue <- e:
	default:
		l.dropped.Add(1)
	}
}

// Dropped is the number of entries not written because the queue was full
// or the logger closed.
func (l *Logger) Dropped() uint64 { return l.dropped.Load() }

// Close writes what is queued, flushes, and stops the writer goroutine.
// The queue channel itself is never closed, so a Log racing with Close
// cannot panic; at worst its entry is lost and counted.
func (l *Logger) Close() error {
	l.once.Do(func() {
		l.closed.Store(true)
		close(l.stop)
	})
	<-l.done
	return nil
}

func (l *Logger) run() {
	defer close(l.done)
	w := bufio.NewWriterSize(l.o.Output, 64<<10)
	buf := make([]byte, 0, 1024)
	failing := false
	var reported uint64
	var lastReport time.Time
	// reportDrops warns about dropped entries at most every 10 s, from the
	// writer goroutine, so that a too slow output is noticed while running.
	reportDrops := func(force bool) {
		d := l.dropped.Load()
		if d == reported || l.o.Log == nil || (!force && time.Since(lastReport) < 10*time.Second) {
			return
		}
		l.o.Log.Warnf("access log: %d entries dropped because the output did not keep up (%d in total)", d-reported, d)
		reported, lastReport = d, time.Now()
	}
	write := func(e *Entry) {
		buf = buf[:0]
		if l.o.JSON {
			buf = appendJSON(buf, e, l.o.StripQuery)
		} else {
			buf = appendText(buf, e, l.o.StripQuery)
		}
		_, _ = w.Write(buf)
	}
	flush := func() {
		err := w.Flush()
		if err != nil && !failing && l.o.Log != nil {
			l.o.Log.Errorf("access log: write failed: %v", err)
		}
		failing = err != nil
		if err != nil {
			// A bufio.Writer stays broken after an error; start over so
			// that a transient failure does not silence the log forever.
			w.Reset(l.o.Output)
		}
	}
	for {
		select {
		case e := <-l.queue:
			write(&e)
			// Flush only when the queue is momentarily empty: under load
			// many lines share one write call.
			if len(l.queue) == 0 {
				flush()
				reportDrops(false)
			}
		case <-l.stop:
			for {
				select {
				case e := <-l.queue:
					write(&e)
				default:
					flush()
					reportDrops(true)
					return
				}
			}
		}
	}
}
