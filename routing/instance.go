package routing

import (
	"sync/atomic"

	"github.com/skiff-proxy/skiff/filters"
)

// instance is one instantiation of a route definition: its compiled
// conditions and the filters that need closing. A later table generation
// reuses the instance of an unchanged route, so closable filters are closed
// only when no open table uses the instance any more.
type instance struct {
	matcher
	closable []filters.Closer
	refs     atomic.Int32 // open managed tables using the instance
	// owner is the cache entry of the managed build that made the
	// instance, so that a build finds a route's entry without a map
	// lookup (cachedOf). Only the building goroutine uses it.
	owner *cached
}

func (in *instance) acquire() { in.refs.Add(1) }

func (in *instance) release() {
	if in.refs.Add(-1) == 0 {
		for _, c := range in.closable {
			_ = c.Close()
		}
	}
}
