package healthcheck

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Run does the registry's background work until ctx ends, then returns
// nil once all of it has stopped:
//   - the sweep, which forgets endpoints no routing table has used for
//     ForgetAfter (only when inUse is not nil: without it endpoints in use
//     could not be told from unused ones, so none is forgotten);
//   - the passive health statistics, every Passive.Period (when Passive
//     is set);
//   - the active probes, every Active.Interval and for each new endpoint
//     at once (when Interval > 0).
//
// Call Run exactly once per registry, in a goroutine the process owns and
// stops by cancelling ctx; a second call returns an error at once.
func (r *Registry) Run(ctx context.Context, inUse InUse) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("healthcheck: Run called twice on one registry")
	}
	var wg sync.WaitGroup
	if inUse != nil {
		wg.Go(func() { r.sweepLoop(ctx, inUse) })
	}
	if c := r.cfg.Passive; c != nil {
		if c.Period > 0 {
			pc := *c // the caller's value may change under us
			wg.Go(func() { r.passiveLoop(ctx, &pc) })
		} else {
			r.log.Warn("passive health check off: its period is not greater than 0")
		}
	}
	if r.cfg.Active.Interval > 0 {
		wg.Go(func() { r.activeLoop(ctx) })
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// every runs fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	tk := time.NewTicker(d)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			fn()
		}
	}
}
