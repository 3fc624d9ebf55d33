package file

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// TestUpdatesTrackFiles edits two files at random (changed routes, inserted
// and deleted routes and lines, renamed and duplicated ids, ids shared by
// both files, deleted files) and checks after every step that the routes
// sent so far, applied in order, equal a fresh load of the files, values and
// positions included.
func TestUpdatesTrackFiles(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "a.eskip"), filepath.Join(dir, "b.eskip")}
	lines := [2][]string{}
	route := func() string {
		id := fmt.Sprintf("r%d", rnd.IntN(40))
		switch rnd.IntN(4) {
		case 0:
			return fmt.Sprintf("%s: Path(\"/%d\") -> \"http://h%d\";", id, rnd.IntN(5), rnd.IntN(5))
		case 1:
			return fmt.Sprintf("%s: * -> setPath(\"/x\") -> <shunt>; %s_b: Host(/h/) -> \"http://same-line\";", id, id)
		case 2:
			return "// comment"
		}
		return fmt.Sprintf("%s:\n  Method(\"GET\")\n  -> \"http://multi%d\";", id, rnd.IntN(3))
	}
	for f := range lines {
		for i := 0; i < 20; i++ {
			lines[f] = append(lines[f], route())
		}
		if err := os.WriteFile(paths[f], []byte(strings.Join(lines[f], "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log, _ := logtest.NewNullLogger()
	c := New(Options{Paths: paths, Log: log, DeleteGrace: time.Nanosecond})
	l := &loop{Client: c, dirty: make([]bool, 2)}
	for _, p := range paths {
		l.files = append(l.files, &fileState{path: p, abs: p})
	}
	for _, f := range l.files {
		if err := f.first(c.parse, nil, c.max); err != nil {
			t.Fatal(err)
		}
	}
	state := map[string]*eskip.Route{}
	apply := func(u dataclients.Update) {
		if u.Reset {
			clear(state)
		}
		for _, id := range u.Deletes {
			delete(state, id)
		}
		for _, r := range u.Upserts {
			state[r.Id] = r
		}
	}
	apply(l.reset())
	l.timer = time.NewTimer(time.Hour)
	defer l.timer.Stop()

	exists := [2]bool{true, true}
	for step := 0; step < 400; step++ {
		f := rnd.IntN(2)
		ls := lines[f]
		switch op := rnd.IntN(10); {
		case op < 4 && len(ls) > 0:
			ls[rnd.IntN(len(ls))] = route()
		case op < 6:
			at := rnd.IntN(len(ls) + 1)
			ls = append(ls[:at], append([]string{route()}, ls[at:]...)...)
		case op < 8 && len(ls) > 0:
			at := rnd.IntN(len(ls))
			ls = append(ls[:at], ls[at+1:]...)
		case op < 9 && len(ls) > 0:
			at := rnd.IntN(len(ls))
			ls[at] = strings.Replace(ls[at], "r", "q", 1) // rename an id
		default:
			exists[f] = !exists[f]
		}
		lines[f] = ls
		if exists[f] {
			if err := os.WriteFile(paths[f], []byte(strings.Join(ls, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
		} else if err := os.Remove(paths[f]); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if rnd.IntN(4) == 0 {
			l.dirty[0], l.dirty[1] = true, true
		} else {
			l.dirty[f] = true
		}
		for l.dirty[0] || l.dirty[1] {
			time.Sleep(time.Microsecond) // let the delete grace pass
			if ch := l.reload(); len(ch) > 0 {
				apply(l.update(ch))
			}
		}

		var want []*eskip.Route
		var present []string
		for i, p := range paths {
			if exists[i] {
				present = append(present, p)
			}
		}
		if len(present) > 0 {
			var err error
			if want, err = Load(present...); err != nil {
				t.Fatal(err)
			}
		}
		if len(want) != len(state) {
			t.Fatalf("step %d: %d routes sent, files have %d", step, len(state), len(want))
		}
		for _, w := range want {
			got := state[w.Id]
			if got == nil || !sameRoute(got, w) {
				t.Fatalf("step %d: route %s: sent %+v, want %+v", step, w.Id, got, w)
			}
		}
	}
}
