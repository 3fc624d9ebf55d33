package file

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"slices"

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
	count map[string]int          // number of definitions of each id in all files
	dirty []bool
	// dupWarned holds the ids defined twice in one file already warned about.
	dupWarned map[string]bool

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
			if ch := l.reload(); len(ch) > 0 {
				u := l.update(ch)
				l.log.Debugf("routes files changed: %d routes added or changed, %d removed", len(u.Upserts), len(u.Deletes))
				if !l.send(ctx, out, u) {
					return nil
				}
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
		if name == f.abs || name == f.target || (swap && filepath.Dir(name) == filepath.Dir(f.abs)) {
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
	if limit := l.batchStart.Add(10 * l.wait).Sub(now); d > limit {
		d = max(limit, 0)
	}
	l.timer.Reset(d)
}

// change is a file whose routes changed, with the routes it had before.
type change struct {
	file *fileState
	prev []*eskip.Route
	win  window
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
		o, prev, win := l.reread(f)
		switch o {
		case changed:
			changes = append(changes, change{f, prev, win})
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
			changes = append(changes, change{f, f.routes, window{0, len(f.routes), 0}})
			f.present, f.text, f.doc, f.routes, f.missing = false, "", nil, nil, time.Time{}
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
	u := l.resetUpdate()
	l.sent(u.Upserts)
	return u
}

// resetUpdate is the full set of the files, with the duplicate ids
// counted and warned about.
func (l *loop) resetUpdate() dataclients.Update {
	l.recount()
	l.warnDuplicates()
	return dataclients.Update{Reset: true, Upserts: l.mergedCounted()}
}

// mergedCounted is merged, after recount: when every id is defined once
// (the count has an entry per route), merging is concatenating, and the
// index merge builds for it is not needed.
func (l *loop) mergedCounted() []*eskip.Route {
	n := 0
	for _, f := range l.files {
		n += len(f.routes)
	}
	if n != len(l.count) {
		return l.merged()
	}
	out := make([]*eskip.Route, 0, n)
	for _, f := range l.files {
		out = append(out, f.routes...)
	}
	return out
}

// sent records merged as the full set last sent: what later changes are
// compared with. Run calls it after sending the first set, so that the
// routing builds its table while the client indexes the same routes (both
// only read them): at 100,000 routes that is 15 ms less before serving.
func (l *loop) sent(merged []*eskip.Route) {
	l.last = make(map[string]*eskip.Route, len(merged))
	for _, r := range merged {
		l.last[r.Id] = r
	}
}

func (l *loop) merged() []*eskip.Route {
	sets := make([][]*eskip.Route, len(l.files))
	for i, f := range l.files {
		sets[i] = f.routes
	}
	return merge(sets)
}

func (l *loop) recount() {
	n := 0
	for _, f := range l.files {
		n += len(f.routes)
	}
	l.count = make(map[string]int, n)
	for _, f := range l.files {
		for _, r := range f.routes {
			l.count[r.Id]++
		}
	}
}

// update turns file changes into the change of the merged set and records
// it as sent.
func (l *loop) update(changes []change) dataclients.Update {
	if len(changes) == 1 {
		if u, ok := l.windowed(changes[0]); ok {
			return u
		}
	}
	return l.general()
}

// windowed derives the change from the routes inside the file's change
// window (and the routes after it that moved to another line), so that an
// edit costs in proportion to its size, not to the number of routes. It
// handles ids defined once in all files; when an id the change touches is
// defined more than once, it reports false and the caller compares
// everything.
func (l *loop) windowed(c change) (dataclients.Update, bool) {
	w, prev, next := c.win, c.prev, c.file.routes
	oldW, newW := prev[w.lo:w.oldHi], next[w.lo:w.newHi]
	for _, r := range oldW {
		l.count[r.Id]--
	}
	inNew := make(map[string]struct{}, len(newW))
	for _, r := range newW {
		l.count[r.Id]++
		inNew[r.Id] = struct{}{}
	}
	var u dataclients.Update
	for _, r := range oldW {
		switch n := l.count[r.Id]; {
		case n == 0:
			if _, ok := l.last[r.Id]; ok {
				u.Deletes = append(u.Deletes, r.Id)
			}
		case n > 1:
			return u, false
		default:
			if _, ok := inNew[r.Id]; !ok {
				return u, false // the remaining definition is elsewhere
			}
		}
	}
	for i, r := range newW {
		if l.count[r.Id] != 1 {
			return u, false
		}
		if old := l.last[r.Id]; old != nil && sameRoute(old, r) {
			next[w.lo+i] = old // keep the instance the routing owner has
			continue
		}
		u.Upserts = append(u.Upserts, r)
	}
	shift := w.newHi - w.oldHi
	for k := w.oldHi; k < len(prev); k++ {
		if r := next[k+shift]; r != prev[k] {
			if l.count[r.Id] != 1 {
				return u, false
			}
			u.Upserts = append(u.Upserts, r)
		}
	}
	slices.Sort(u.Deletes)
	u.Deletes = slices.Compact(u.Deletes)
	for _, id := range u.Deletes {
		delete(l.last, id)
		delete(l.count, id)
	}
	for _, r := range u.Upserts {
		l.last[r.Id] = r
	}
	return u, true
}

// general compares the whole merged set with the one last sent.
func (l *loop) general() dataclients.Update {
	// Keep the sent instance of every definition that did not change, so
	// that later windowed changes compare instances correctly.
	for _, f := range l.files {
		for i, r := range f.routes {
			if old := l.last[r.Id]; old != nil && old != r && sameRoute(old, r) {
				f.routes[i] = old
			}
		}
	}
	var u dataclients.Update
	u.Upserts, u.Deletes = diff(l.last, l.merged())
	for _, id := range u.Deletes {
		delete(l.last, id)
	}
	for _, r := range u.Upserts {
		l.last[r.Id] = r
	}
	l.recount()
	l.warnDuplicates()
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
