package accesslog

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// DefaultQueueSize is the number of entries that may wait for the writer.
const DefaultQueueSize = 4096

// DefaultFlushInterval is how long a logged entry may wait before it is
// written out.
const DefaultFlushInterval = 50 * time.Millisecond

// Format is the layout of the access log lines.
type Format int

const (
	// FormatCombined is the Apache combined format with skipper's extra
	// fields (duration, host, flow id, audit).
	FormatCombined Format = iota
	// FormatJSON writes one JSON object per line.
	FormatJSON
	// FormatGorouter is the Cloud Foundry gorouter line, with
	// x_forwarded_for, vcap_request_id, response_time, gorouter_time,
	// app_id and friends.
	FormatGorouter
)

var formatNames = [...]string{FormatCombined: "combined", FormatJSON: "json", FormatGorouter: "gorouter"}

// String is the name ParseFormat accepts.
func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "Format(" + fmt.Sprint(int(f)) + ")"
}

// ParseFormat reads "combined", "json" or "gorouter".
func ParseFormat(s string) (Format, error) {
	for f, name := range formatNames {
		if s == name {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("unknown access log format %q: expected combined, json or gorouter", s)
}

// Set implements flag.Value.
func (f *Format) Set(s string) error {
	v, err := ParseFormat(s)
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Options configure a Logger.
type Options struct {
	Output io.Writer // required
	Format Format    // FormatCombined when zero
	// JSON selects FormatJSON when Format is FormatCombined; it predates
	// Format and is kept for existing callers.
	JSON       bool
	StripQuery bool // drop the query from the URI
	QueueSize  int  // DefaultQueueSize when 0
	// FlushInterval bounds how long an entry waits before it is written
	// to Output (DefaultFlushInterval when 0). While requests keep coming
	// the writer formats and writes the entries of each interval together,
	// or as soon as half the queue is used.
	FlushInterval time.Duration
	// Log receives write errors (once per run of failures); nil discards them.
	Log logrus.FieldLogger
}

// Logger writes access log entries from its own goroutine.
type Logger struct {
	o       Options
	queue   chan Entry
	kick    chan struct{} // the queue is half full: drain it now
	kickAt  int
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
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.JSON && o.Format == FormatCombined {
		o.Format = FormatJSON
	}
	l := &Logger{
		o:      o,
		queue:  make(chan Entry, o.QueueSize),
		kick:   make(chan struct{}, 1),
		kickAt: max(o.QueueSize/2, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
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
		if len(l.queue) >= l.kickAt {
			select {
			case l.kick <- struct{}{}:
			default:
			}
		}
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
		if keys := MaskedQueryParams(e.Additional); keys != nil && !l.o.StripQuery {
			e.URI = MaskQuery(e.URI, keys)
		}
		switch l.o.Format {
		case FormatJSON:
			buf = appendJSON(buf, e, l.o.StripQuery)
		case FormatGorouter:
			buf = appendGorouter(buf, e, l.o.StripQuery)
		default:
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
	// drain writes the queued entries into the buffer. It lets requests
	// run between pieces of a large batch: on a proxy with one core a
	// whole interval's entries formatted in one go would hold up the
	// requests behind them.
	drain := func() int {
		for n := 0; ; n++ {
			if n%64 == 63 {
				runtime.Gosched()
			}
			select {
			case e := <-l.queue:
				write(&e)
			default:
				return n
			}
		}
	}
	// finish writes out what is queued when Close asked to stop.
	finish := func() {
		drain()
		flush()
		reportDrops(true)
	}
	timer := time.NewTimer(l.o.FlushInterval)
	timer.Stop()
	for {
		// Idle: everything is written; wait for the next entry.
		select {
		case e := <-l.queue:
			write(&e)
		case <-l.stop:
			finish()
			return
		}
		// Busy: entries gather in the queue without waking the writer
		// for each one (a wake-up and a write per request cost a busy
		// proxy a tenth of its throughput); they are formatted and
		// written out every FlushInterval, or when half the queue is
		// used. A whole interval without entries makes the writer idle.
		timer.Reset(l.o.FlushInterval)
		for busy := true; busy; {
			select {
			case <-timer.C:
				n := drain()
				flush()
				reportDrops(false)
				if busy = n > 0; busy {
					timer.Reset(l.o.FlushInterval)
				}
			case <-l.kick:
				drain()
			case <-l.stop:
				timer.Stop()
				finish()
				return
			}
		}
	}
}
