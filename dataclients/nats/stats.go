package nats

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// stats count the client's messages.
type stats struct {
	registers, unregisters, rejected, pruned atomic.Int64
}

// Stats are the client's counters.
type Stats struct {
	Registers, Unregisters int64 // messages applied (each may carry several URIs)
	Rejected               int64 // messages that did not decode or validate
	Pruned                 int64 // endpoints removed because their TTL ran out
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	return Stats{Registers: c.stats.registers.Load(), Unregisters: c.stats.unregisters.Load(),
		Rejected: c.stats.rejected.Load(), Pruned: c.stats.pruned.Load()}
}

// rateLimitedLog logs at most one line per period and says how many it
// left out: a flood of malformed messages must not become a flood of
// log lines.
type rateLimitedLog struct {
	log   logrus.FieldLogger
	every time.Duration
	now   func() time.Time
	// what names the lines in the summary of those left out: "messages
	// rejected".
	what string

	mu      sync.Mutex
	last    time.Time
	dropped int
}

func (l *rateLimitedLog) Errorf(format string, args ...any) {
	l.mu.Lock()
	now := l.now()
	if !l.last.IsZero() && now.Sub(l.last) < l.every {
		l.dropped++
		l.mu.Unlock()
		return
	}
	dropped := l.dropped
	l.last, l.dropped = now, 0
	l.mu.Unlock()
	if dropped > 0 {
		l.log.Errorf("nats: %d more %s since the last logged one", dropped, l.what)
	}
	l.log.Errorf(format, args...)
}
