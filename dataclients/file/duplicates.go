package file

import (
	"fmt"
	"strings"

	"github.com/skiff-proxy/skiff/eskip"
)

// warnDuplicates logs route ids defined more than once within one file:
// only the last definition is used, so an earlier one, most likely a
// copy left behind, would otherwise vanish without a word. (An id defined
// in several files is the documented way for a later file to override an
// earlier one and is not warned about.) Each id is warned about once while
// it stays duplicated. It runs after the definition counts were made
// again, and scans the files only when some id is defined more than once.
func (l *loop) warnDuplicates() {
	dup := false
	for _, n := range l.count {
		if n > 1 {
			dup = true
			break
		}
	}
	if !dup {
		clear(l.dupWarned)
		return
	}
	if l.dupWarned == nil {
		l.dupWarned = map[string]bool{}
	}
	still := map[string]bool{}
	for _, f := range l.files {
		var at map[string][]eskip.Position
		for _, r := range f.routes {
			if l.count[r.Id] < 2 {
				continue
			}
			if at == nil {
				at = map[string][]eskip.Position{}
			}
			at[r.Id] = append(at[r.Id], r.Pos)
		}
		for _, r := range f.routes {
			ps := at[r.Id]
			if len(ps) < 2 || still[r.Id] {
				continue
			}
			still[r.Id] = true
			if l.dupWarned[r.Id] {
				continue
			}
			l.dupWarned[r.Id] = true
			where := make([]string, len(ps))
			for i, p := range ps {
				where[i] = fmt.Sprintf("%s:%d:%d", f.path, p.Line, p.Column)
			}
			l.log.Warnf("routes file %s defines route %q %d times (%s); only the last definition is used", f.path, r.Id, len(ps), strings.Join(where, ", "))
		}
	}
	for id := range l.dupWarned {
		if !still[id] {
			delete(l.dupWarned, id)
		}
	}
}
