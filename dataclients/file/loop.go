package file

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// loop is the state of Run after startup. Everything runs in Run's
// goroutine; the watcher's own goroutine ends with w.Close.
type loop struct {
	*Client
	files []*fileState
	last  map[string]*eskip.Route // merged set as last sent, by id
	dirty []bool

	timer      *time.Timer
	armed      bool
	batchStart time.Time
}

func (l *loop) run(ctx context.Context, w *fsnotify.Watcher, out chan<- dataclients.Update) error {
	l.timer = time.NewTimer(time.Hour)
	l.timer.Stop()
	defer l.timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			l.event(ev)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// Events may have been lost (queue overflow): look at every file.
			l.log.Warnf("watching routes files: %v", err)
			for i := range l.dirty {
				l.dirty[i] = true
			}
			l.arm(l.wait)
		case <-l.timer.C:
			l.armed = false
			if ch := l.reload(); len(ch) > 0 && !l.send(ctx, out, l.update(ch)) {
				return nil
			}
		}
	}
}

// event marks the files an event may concern. Names starting with ".."
// are the atomic-swap symlinks of Kubernetes ConfigMap volumes, which
// change the files' content without any event on their own names.
func (l *loop) event(ev fsnotify.Event) {
	name := filepath.Clean(ev.Name)
	swap := strings.HasPrefix(filepath.Base(name), "..")
	hit := false
	for i, f := range l.files {
		if name == f.abs || (swap && filepath.Dir(name) == filepath.Dir(f.abs)) {
			l.dirty[i], hit = true, true
		}
	}
	if hit {
		l.arm(l.wait)
	}
}

// arm (re)starts the timer to fire after d, but no later than ten debounce
// periods after the first event of the batch, so that a file written
// continuously is still picked up.
func (l *loop) arm(d time.Duration) {
	now := time.Now()
	if !l.armed {
		l.armed, l.batchStart = true, now
	}
	if limit := l.batchStart.Add(10 * l.wait).Sub(now); d > limit && limit > 0 {
		d = limit
	}
	l.timer.Reset(d)
}

// change is a file whose routes changed, with the routes it had before.
type change struct {
	file *fileState
	prev []*eskip.Route
}

// reload reads the dirty files again and returns those whose routes changed.
func (l *loop) reload() []change {
	now := time.Now()
	var changes []change
	var wait time.Duration
	for i, f := range l.files {
		if !l.dirty[i] {
			continue
		}
		l.dirty[i] = false
		o, prev := l.reread(f)
		switch o {
		case changed:
			changes = append(changes, change{f, prev})
		case gone:
			if !f.present {
				continue
			}
			if f.missing.IsZero() {
				f.missing = now
			}
			if left := f.missing.Add(l.grace).Sub(now); left > 0 {
				l.dirty[i] = true
				if wait == 0 || left < wait {
					wait = left
				}
				continue
			}
			l.log.Infof("routes file %s was removed; withdrawing its %d routes", f.path, len(f.routes))
			changes = append(changes, change{f, f.routes})
			f.present, f.text, f.doc, f.routes, f.missing = false, nil, nil, nil, time.Time{}
		}
	}
	if wait > 0 {
		l.armed, l.batchStart = true, now
		l.timer.Reset(wait)
	}
	return changes
}

// reset returns the full merged set and records it as sent.
func (l *loop) reset() dataclients.Update {
	merged := l.merged()
	clear(l.last)
	for _, r := range merged {
		l.last[r.Id] = r
	}
	return dataclients.Update{Reset: true, Upserts: merged}
}

func (l *loop) merged() []*eskip.Route {
	sets := make([][]*eskip.Route, len(l.files))
	for i, f := range l.files {
		sets[i] = f.routes
	}
	return merge(sets)
}

// update turns file changes into the change of the merged set and records
// it as sent. When every changed file kept its ids in order (an edit inside
// routes, the usual case) only the changed indexes are looked at; otherwise
// the whole merged set is compared with the last one sent.
func (l *loop) update(changes []change) dataclients.Update {
	var u dataclients.Update
	fast := true
	for _, c := range changes {
		fast = reuse(c.prev, c.file.routes) && fast
	}
	if fast {
		for _, c := range changes {
			for i, r := range c.file.routes {
				// An old instance that is not the one sent was shadowed by
				// a later definition of its id, and its successor is too.
				if old := c.prev[i]; r != old && l.last[old.Id] == old {
					u.Upserts = append(u.Upserts, r)
					l.last[r.Id] = r
				}
			}
		}
		return u
	}
	u.Upserts, u.Deletes = diff(l.last, l.merged())
	for _, id := range u.Deletes {
		delete(l.last, id)
	}
	for _, r := range u.Upserts {
		l.last[r.Id] = r
	}
	return u
}

// send sends u unless it is an empty change. It reports false when ctx
// ended first.
func (l *loop) send(ctx context.Context, out chan<- dataclients.Update, u dataclients.Update) bool {
	if !u.Reset && len(u.Upserts) == 0 && len(u.Deletes) == 0 {
		return true
	}
	select {
	case out <- u:
		return true
	case <-ctx.Done():
		return false
	}
}
