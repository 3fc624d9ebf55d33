package etcd

import (
	"math/rand/v2"
	"time"
)

// backoff is the wait between attempts to reach etcd again: it doubles
// from min to max, and each wait is drawn from its upper half so that
// many proxies that lost etcd together do not come back in step.
type backoff struct {
	min, max, next time.Duration
}

func newBackoff(min, max time.Duration) *backoff {
	return &backoff{min: min, max: max, next: min}
}

// wait returns the next wait and doubles the one after.
func (b *backoff) wait() time.Duration {
	d := b.next
	b.next = min(2*b.next, b.max)
	return d/2 + rand.N(d/2+1)
}

// reset starts again from min after a success.
func (b *backoff) reset() { b.next = b.min }
