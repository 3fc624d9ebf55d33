package etcd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/skiff-proxy/skiff/dataclients"
)

const (
	// maxBatch is how many events one Update takes at most; more are
	// pushed in the next.
	maxBatch = 10000
	// maxMisses is how many progress requests in a row may go unanswered
	// before the watch is taken for lost.
	maxMisses = 3
)

// watch follows the changes from revision from on and pushes them. It
// returns when the watch fails, with why, or when ctx ends.
func (r *runner) watch(ctx context.Context, from int64) error {
	if h := r.hooks.beforeWatch; h != nil {
		h(from)
	}
	etcd, err := r.conn()
	if err != nil {
		return err
	}
	// Without a leader, the member cannot know about new writes: with
	// WithRequireLeader it ends the watch instead of leaving it silent.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	events := etcd.Watch(wctx, r.cfg.routes, clientv3.WithPrefix(), clientv3.WithRev(from), clientv3.WithCreatedNotify())

	// A watch on a connection that died says nothing, as one without
	// changes does. After Timeout of silence the runner asks for a
	// progress report, which a live watch answers.
	heartbeat := time.NewTimer(r.cfg.heartbeat)
	defer heartbeat.Stop()
	misses := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case resp, ok := <-events:
			if err := r.heard(resp, ok); err != nil {
				return err
			}
			misses = 0
			if len(resp.Events) > 0 {
				b := newBatch()
				b.add(r.Client, resp.Events)
				if err := r.collect(ctx, events, b); err != nil {
					return err
				}
				if !r.push(ctx, r.update(b)) {
					return nil
				}
			}
			heartbeat.Reset(r.cfg.heartbeat)
		case <-heartbeat.C:
			if misses == maxMisses {
				return fmt.Errorf("%w for %d progress requests, one every %v", errWatchLost, misses, r.cfg.heartbeat)
			}
			misses++
			// The request goes on the watch's own stream, found by the
			// metadata of its context.
			// Sending blocks while the stream reconnects, which counts
			// towards the wait for an answer.
			sent := time.Now()
			pctx, pcancel := context.WithTimeout(wctx, r.cfg.heartbeat)
			if err := etcd.RequestProgress(pctx); err != nil && ctx.Err() == nil {
				r.log.Debugf("etcd: progress request: %v", err)
			}
			pcancel()
			heartbeat.Reset(max(r.cfg.heartbeat-time.Since(sent), 0))
		}
	}
}

// heard checks a watch response: an error ends the watch; anything else
// is a sign of life.
func (r *runner) heard(resp clientv3.WatchResponse, ok bool) error {
	if !ok {
		return errors.New("watch closed")
	}
	if err := resp.Err(); err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	r.touch()
	return nil
}

// collect adds to b the events that follow within BatchDelay of each
// other (or those already pending, for a negative BatchDelay), up to ten
// BatchDelays and maxBatch events.
func (r *runner) collect(ctx context.Context, events clientv3.WatchChan, b *batch) error {
	if r.cfg.BatchDelay < 0 {
		for b.n < maxBatch {
			select {
			case resp, ok := <-events:
				if err := r.heard(resp, ok); err != nil {
					return err
				}
				b.add(r.Client, resp.Events)
			default:
				return nil
			}
		}
		return nil
	}
	quiet := time.NewTimer(r.cfg.BatchDelay)
	defer quiet.Stop()
	limit := time.NewTimer(10 * r.cfg.BatchDelay)
	defer limit.Stop()
	for b.n < maxBatch {
		select {
		case resp, ok := <-events:
			if err := r.heard(resp, ok); err != nil {
				return err
			}
			b.add(r.Client, resp.Events)
			quiet.Reset(r.cfg.BatchDelay)
		case <-quiet.C:
			return nil
		case <-limit.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// batch is the net change of a run of events: the last event of each id.
type batch struct {
	changes map[string]change
	n       int // events
}

type change struct {
	key, value string
	deleted    bool
}

func newBatch() *batch { return &batch{changes: map[string]change{}} }

func (b *batch) add(c *Client, events []*clientv3.Event) {
	for _, ev := range events {
		b.n++
		key := string(ev.Kv.Key)
		id, ok := c.id(key)
		if !ok {
			continue
		}
		// A lease that expires deletes its keys: a DELETE as well.
		b.changes[id] = change{key: key, value: string(ev.Kv.Value), deleted: ev.Type == mvccpb.DELETE}
	}
}

// update turns a batch into the Update to push.
func (r *runner) update(b *batch) dataclients.Update {
	ids := make([]string, 0, len(b.changes))
	for id := range b.changes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var u dataclients.Update
	for _, id := range ids {
		ch := b.changes[id]
		if ch.deleted {
			r.remove(&u, ch.key, id)
		} else {
			r.put(&u, ch.key, id, ch.value)
		}
	}
	return u
}

func isCompacted(err error) bool {
	return errors.Is(err, rpctypes.ErrCompacted)
}
