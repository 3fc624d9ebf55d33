package proxy

import (
	"runtime/debug"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// panicLimiter logs the first few panics with their stack, then at most one
// a minute, so a filter panicking on every request cannot flood the log.
type panicLimiter struct {
	mu     sync.Mutex
	count  int
	last   time.Time
	missed int
}

const (
	panicBurst    = 3
	panicInterval = time.Minute
)

func (l *panicLimiter) log(log logrus.FieldLogger, v any, routeId string) {
	now := time.Now()
	l.mu.Lock()
	l.count++
	if l.count > panicBurst && now.Sub(l.last) < panicInterval {
		l.missed++
		l.mu.Unlock()
		return
	}
	missed := l.missed
	l.missed = 0
	l.last = now
	l.mu.Unlock()
	log.WithFields(logrus.Fields{"route": routeId, "suppressed": missed}).
		Errorf("panic while serving a request: %v\n%s", v, debug.Stack())
}
