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
			if l.reload() && !l.send(ctx, out, false) {
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

// reload reads the dirty files again and reports whether any file's routes
// changed.
func (l *loop) reload() bool {
	now := time.Now()
	upd := false
	var wait time.Duration
	for i, f := range l.files {
		if !l.dirty[i] {
			continue
		}
		l.dirty[i] = false
		switch l.reread(f) {
		case changed:
			upd = true
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
			f.present, f.routes, f.missing = false, nil, time.Time{}
			upd = true
		}
	}
	if wait > 0 {
		l.armed, l.batchStart = true, now
		l.timer.Reset(wait)
	}
	return upd
}

// send computes the merged set and sends it whole (reset) or as the change
// against the last sent set. It reports false when ctx ended first.
func (l *loop) send(ctx context.Context, out chan<- dataclients.Update, reset bool) bool {
	sets := make([][]*eskip.Route, len(l.files))
	for i, f := range l.files {
		sets[i] = f.routes
	}
	merged := merge(sets)
	var u dataclients.Update
	if reset {
		u = dataclients.Update{Reset: true, Upserts: merged}
	} else {
		u.Upserts, u.Deletes = diff(l.last, merged)
		if len(u.Upserts) == 0 && len(u.Deletes) == 0 {
			return true
		}
	}
	select {
	case out <- u:
	case <-ctx.Done():
		return false
	}
	for _, id := range u.Deletes {
		delete(l.last, id)
	}
	for _, r := range u.Upserts {
		l.last[r.Id] = r
	}
	return true
}
