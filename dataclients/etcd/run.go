package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/skiff-proxy/skiff/dataclients"
)

// errWatchLost is why a watch ended that stopped answering.
var errWatchLost = errors.New("no answer from etcd")

// Run pushes the routes under <Prefix>/routes/ to out: first all of them,
// read at one revision, as an Update with Reset, then the changes from a
// watch starting at that revision. A value that does not parse, or holds
// other than one route, is pushed in Update.Invalid (and logged once).
// Changes arriving together are pushed together (Options.BatchDelay).
//
// When the watch fails (etcd compacted the history it needed, the member
// lost its leader, the connection is lost or stops answering), Run reads
// all routes again and pushes the difference to what it pushed before;
// until that read succeeds it pushes nothing, so the routes last pushed
// stay in effect. Reads that fail are tried again, waiting with backoff
// between attempts, and reported in the log; at startup too, so Run does
// not return for etcd being out of reach. It returns nil when ctx ends,
// and an error wrapping ErrClosed when the client is closed.
func (c *Client) Run(ctx context.Context, out chan<- dataclients.Update) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("etcd: Run called while it is running")
	}
	defer c.running.Store(false)
	defer c.connected.Store(false)
	r := &runner{
		Client:    c,
		out:       out,
		sent:      map[string]string{},
		badLogged: map[string]string{},
		warned:    map[string]bool{},
		backoff:   newBackoff(c.cfg.MinBackoff, c.cfg.MaxBackoff),
	}
	// Close ends Run even while it waits for out to take an Update.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.closing, cancel)
	defer stop()
	err := r.run(runCtx)
	switch {
	case ctx.Err() != nil:
		return nil
	case c.closing.Err() != nil:
		return fmt.Errorf("etcd: Run ended: %w", ErrClosed)
	}
	return err
}

// runner is the state of one Run; it lives in Run's goroutine only.
type runner struct {
	*Client
	out     chan<- dataclients.Update
	started bool // the first Update (Reset) was pushed
	// sent holds the value of every id as last pushed (valid or not).
	sent map[string]string
	// badLogged holds the bad value logged for a key, so that it is
	// logged once; warned the ids warned about as not eskip symbols.
	badLogged map[string]string
	warned    map[string]bool
	backoff   *backoff
}

func (r *runner) run(ctx context.Context) error {
	for {
		snap, err := r.readAgain(ctx)
		if err != nil {
			return err
		}
		r.connected.Store(true)
		if !r.push(ctx, r.resync(snap)) {
			return nil
		}
		watchStart := time.Now()
		// The watch starts at the read's revision, not after it: etcd
		// answers progress requests (the heartbeat) only once a watch's
		// start revision is reached, which for the next revision would be
		// the next write, possibly hours away. The events of the read's
		// revision itself are in the read already and change nothing.
		err = r.watch(ctx, snap.revision)
		r.connected.Store(false)
		if ctx.Err() != nil || errors.Is(err, ErrClosed) {
			return err
		}
		r.watchFailed(err, snap.revision)
		// A watch that fails at once, again and again (one etcd lets us
		// read but not watch, say), must not make a loop of full reads.
		if time.Since(watchStart) < r.cfg.MaxBackoff {
			if !r.sleep(ctx, r.backoff.wait()) {
				return nil
			}
		} else {
			r.backoff.reset()
		}
	}
}

func (r *runner) watchFailed(err error, revision int64) {
	switch {
	case isCompacted(err):
		r.log.Infof("etcd at %s: the history since revision %d was compacted before the watch read it; reading all routes again", r.endpoints(), revision)
	case errors.Is(err, errWatchLost):
		r.log.Warnf("etcd at %s: watch lost (%v); keeping the routes last read and reading all again", r.endpoints(), err)
	default:
		r.log.Warnf("etcd at %s: watch ended (%v); keeping the routes last read and reading all again", r.endpoints(), err)
	}
}

// readAgain reads all routes, trying again with backoff until it
// succeeds, ctx ends or the client is closed.
func (r *runner) readAgain(ctx context.Context) (snapshot, error) {
	var (
		failures int
		since    time.Time
		logged   time.Time
	)
	for {
		snap, err := r.read(ctx)
		if err == nil {
			if failures > 0 {
				r.log.Infof("etcd at %s: reachable again after %v (%d failed attempts)", r.endpoints(), time.Since(since).Round(time.Millisecond), failures)
			}
			return snap, nil
		}
		if ctx.Err() != nil || errors.Is(err, ErrClosed) {
			return snapshot{}, err
		}
		r.connected.Store(false)
		if failures == 0 {
			since = time.Now()
		}
		failures++
		// Once at the start of an outage, then once a minute.
		if failures == 1 || time.Since(logged) >= time.Minute {
			logged = time.Now()
			what := fmt.Sprintf("keeping the %d routes last read", len(r.sent))
			if !r.started {
				what = "no routes from etcd yet"
			}
			how := "out of reach"
			if failures > 1 {
				how = fmt.Sprintf("still out of reach after %v and %d attempts", time.Since(since).Round(time.Second), failures)
			}
			r.log.Warnf("etcd at %s %s, %s; trying again: %v", r.endpoints(), how, what, err)
		}
		if !r.sleep(ctx, r.backoff.wait()) {
			return snapshot{}, ctx.Err()
		}
	}
}

// sleep waits d or until ctx ends; false means ctx ended.
func (r *runner) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// push sends u unless it is an empty change; false means ctx ended.
func (r *runner) push(ctx context.Context, u dataclients.Update) bool {
	if !u.Reset && len(u.Upserts)+len(u.Deletes)+len(u.Invalid) == 0 {
		return true
	}
	if u.Reset {
		r.log.Infof("etcd at %s: %d routes, %d invalid", r.endpoints(), len(u.Upserts), len(u.Invalid))
	} else {
		r.log.Debugf("etcd: %d routes changed, %d deleted, %d invalid", len(u.Upserts), len(u.Deletes), len(u.Invalid))
	}
	select {
	case r.out <- u:
		return true
	case <-ctx.Done():
		return false
	}
}
