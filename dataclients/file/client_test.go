package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// harness runs a client against files in a temporary directory.
type harness struct {
	t    *testing.T
	dir  string
	out  chan dataclients.Update
	done chan error
	hook *logtest.Hook
	stop context.CancelFunc
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// start writes the files (name → content; "" means do not create) and runs
// a client over them in the given order.
func start(t *testing.T, names []string, content map[string]string) *harness {
	t.Helper()
	return startWith(t, names, content, Options{})
}

// startWith is start with o's fields besides Paths, Log, Debounce and
// DeleteGrace.
func startWith(t *testing.T, names []string, content map[string]string, o Options) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), out: make(chan dataclients.Update), done: make(chan error, 1)}
	var paths []string
	for _, n := range names {
		p := filepath.Join(h.dir, n)
		paths = append(paths, p)
		if c, ok := content[n]; ok {
			write(t, p, c)
		}
	}
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	h.hook = hook
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	o.Paths, o.Log, o.Debounce, o.DeleteGrace = paths, log, 5*time.Millisecond, 30*time.Millisecond
	c := New(o)
	go func() { h.done <- c.Run(ctx, h.out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-h.done; err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	})
	return h
}

func (h *harness) path(name string) string { return filepath.Join(h.dir, name) }

func (h *harness) next() dataclients.Update {
	h.t.Helper()
	select {
	case u := <-h.out:
		return u
	case err := <-h.done:
		h.done <- err
		h.t.Fatalf("Run returned %v while an update was expected", err)
	case <-time.After(10 * time.Second):
		h.t.Fatal("no update")
	}
	return dataclients.Update{}
}

// quiet asserts that no update arrives for a while (longer than debounce
// plus grace), e.g. after a change that must not produce one.
func (h *harness) quiet() {
	h.t.Helper()
	select {
	case u := <-h.out:
		h.t.Fatalf("unexpected update %s", describe(u))
	case <-time.After(200 * time.Millisecond):
	}
}

// describe renders an update as "reset? +id=backend ... -id ..." with
// upserts and deletes sorted, for comparisons.
func describe(u dataclients.Update) string {
	var parts []string
	if u.Reset {
		parts = append(parts, "reset")
	}
	var ups []string
	for _, r := range u.Upserts {
		ups = append(ups, "+"+r.Id+"="+r.Backend)
	}
	slices.Sort(ups)
	parts = append(parts, ups...)
	for _, id := range u.Deletes {
		parts = append(parts, "-"+id)
	}
	return strings.Join(parts, " ")
}

func (h *harness) expect(want string) dataclients.Update {
	h.t.Helper()
	u := h.next()
	if got := describe(u); got != want {
		h.t.Fatalf("update %q, want %q", got, want)
	}
	return u
}

const (
	twoRoutes = `r1: Path("/one") -> "http://one";
r2: Path("/two") -> "http://two";
`
	twoRoutesEdited = `r1: Path("/one") -> "http://one";
r2: Path("/two") -> "http://TWO";
r3: Path("/three") -> "http://three";
`
)

func TestInitialLoadAndEdit(t *testing.T) {
	h := start(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": twoRoutes})
	u := h.expect("reset +r1=http://one +r2=http://two")
	if pos := u.Upserts[1].Pos; pos.Line != 2 || pos.Column != 1 || pos.Source != h.path("routes.eskip") {
		t.Errorf("position of r2: %+v", pos)
	}
	write(t, h.path("routes.eskip"), twoRoutesEdited)
	h.expect("+r2=http://TWO +r3=http://three")
	write(t, h.path("routes.eskip"), `r3: Path("/three") -> "http://three";`)
	// r3 moved to line 1: sent again with its new position.
	u = h.expect("+r3=http://three -r1 -r2")
	if u.Upserts[0].Pos.Line != 1 {
		t.Errorf("r3 position not updated: %+v", u.Upserts[0].Pos)
	}
}

func TestUnchangedBytesSendNothing(t *testing.T) {
	h := start(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": twoRoutes})
	h.expect("reset +r1=http://one +r2=http://two")
	write(t, h.path("routes.eskip"), twoRoutes)
	now := time.Now()
	if err := os.Chtimes(h.path("routes.eskip"), now, now); err != nil {
		t.Fatal(err)
	}
	h.quiet()
	// A comment-only change re-parses but changes no route.
	write(t, h.path("routes.eskip"), twoRoutes+"// trailing comment\n")
	h.quiet()
}

func TestRenameOver(t *testing.T) {
	h := start(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": twoRoutes})
	h.expect("reset +r1=http://one +r2=http://two")
	tmp := h.path(".routes.eskip.tmp")
	write(t, tmp, twoRoutesEdited)
	if err := os.Rename(tmp, h.path("routes.eskip")); err != nil {
		t.Fatal(err)
	}
	h.expect("+r2=http://TWO +r3=http://three")

	// Editors that move the old file away first, then write a new one.
	if err := os.Rename(h.path("routes.eskip"), h.path("routes.eskip~")); err != nil {
		t.Fatal(err)
	}
	write(t, h.path("routes.eskip"), twoRoutes)
	h.expect("+r2=http://two -r3")
}

func TestDeleteAndRecreate(t *testing.T) {
	h := start(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": twoRoutes})
	h.expect("reset +r1=http://one +r2=http://two")
	if err := os.Remove(h.path("routes.eskip")); err != nil {
		t.Fatal(err)
	}
	h.expect("-r1 -r2")
	h.quiet()
	write(t, h.path("routes.eskip"), twoRoutes)
	h.expect("+r1=http://one +r2=http://two")
}

func TestBrokenThenFixed(t *testing.T) {
	h := start(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": twoRoutes})
	h.expect("reset +r1=http://one +r2=http://two")
	broken := "r1: Path(\"/one\") -> \"http://one\";\nr2: Path(\"/two\") -> # ;\nr3: Foo(1.) -> <shunt>;\n"
	write(t, h.path("routes.eskip"), broken)
	h.quiet()
	var msgs []string
	for _, e := range h.hook.AllEntries() {
		if e.Level == logrus.ErrorLevel {
			msgs = append(msgs, e.Message)
		}
	}
	prefix := h.path("routes.eskip") + ":2:"
	if len(msgs) < 1 || !strings.HasPrefix(msgs[0], prefix) {
		t.Fatalf("error log %q, want entries starting with %q", msgs, prefix)
	}
	h.hook.Reset()
	write(t, h.path("routes.eskip"), twoRoutesEdited)
	h.expect("+r2=http://TWO +r3=http://three")
	found := false
	for _, e := range h.hook.AllEntries() {
		found = found || e.Message == "routes file "+h.path("routes.eskip")+" parses again"
	}
	if !found {
		t.Error("the fix was not logged")
	}
}

func TestMultipleFiles(t *testing.T) {
	h := start(t, []string{"a.eskip", "b.eskip"}, map[string]string{
		"a.eskip": `shared: * -> "http://a"; onlyA: Path("/a") -> "http://a";`,
		"b.eskip": `shared: * -> "http://b"; onlyB: Path("/b") -> "http://b";`,
	})
	h.expect("reset +onlyA=http://a +onlyB=http://b +shared=http://b")
	// Without the later file's definition the earlier one shows through.
	write(t, h.path("b.eskip"), `onlyB: Path("/b") -> "http://b";`)
	h.expect("+onlyB=http://b +shared=http://a")
	write(t, h.path("b.eskip"), `shared: * -> "http://b"; onlyB: Path("/b") -> "http://b";`)
	h.expect("+onlyB=http://b +shared=http://b")
	// In-place edits of a shadowed definition change nothing.
	write(t, h.path("a.eskip"), `shared: * -> "http://A"; onlyA: Path("/a") -> "http://A";`)
	h.expect("+onlyA=http://A")
	write(t, h.path("b.eskip"), `shared: * -> "http://B"; onlyB: Path("/b") -> "http://b";`)
	h.expect("+shared=http://B")
	if err := os.Remove(h.path("b.eskip")); err != nil {
		t.Fatal(err)
	}
	h.expect("+shared=http://A -onlyB")
	if err := os.Remove(h.path("a.eskip")); err != nil {
		t.Fatal(err)
	}
	h.expect("-onlyA -shared")
}

func TestDuplicateIdsInOneFile(t *testing.T) {
	h := start(t, []string{"r.eskip", "s.eskip"}, map[string]string{
		"r.eskip": `x: * -> "http://1"; x: * -> "http://2";`,
		"s.eskip": `y: * -> "http://y"; z: * -> "http://z";`})
	h.expect("reset +x=http://2 +y=http://y +z=http://z")
	warnings := func() []string {
		var w []string
		for _, e := range h.hook.AllEntries() {
			if e.Level == logrus.WarnLevel && strings.Contains(e.Message, "only the last definition is used") {
				w = append(w, e.Message)
			}
		}
		h.hook.Reset()
		return w
	}
	p := h.path("r.eskip")
	if w, want := warnings(), fmt.Sprintf(`routes file %s defines route "x" 2 times (%s:1:1, %s:1:21); only the last definition is used`, p, p, p); len(w) != 1 || w[0] != want {
		t.Fatalf("warnings %q, want %q", w, want)
	}
	write(t, p, `x: * -> "http://3"; x: * -> "http://2";`)
	h.quiet()
	write(t, p, `x: * -> "http://3"; x: * -> "http://4";`)
	h.expect("+x=http://4")
	if w := warnings(); len(w) != 0 {
		t.Fatalf("warned again: %q", w)
	}
	// An id in two files is an override, not a mistake.
	write(t, p, `x: * -> "http://4"; y: * -> "http://Y";`)
	h.expect("+x=http://4") // moved to 1:1; s.eskip's y wins
	if w := warnings(); len(w) != 0 {
		t.Fatalf("override warned about: %q", w)
	}
	write(t, h.path("s.eskip"), "y: * -> \"http://y\"; z: * -> \"http://z\";\ny: * -> \"http://y2\";")
	h.expect("+y=http://y2")
	if w := warnings(); len(w) != 1 || !strings.Contains(w[0], `route "y" 2 times`) {
		t.Fatalf("warnings %q", w)
	}
}

func TestConfigMapSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	mk := func(name, text string) {
		d := filepath.Join(dir, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(d, "routes.eskip"), text)
	}
	mk("..v1", `r: * -> "http://v1";`)
	if err := os.Symlink("..v1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..data/routes.eskip", filepath.Join(dir, "routes.eskip")); err != nil {
		t.Fatal(err)
	}
	out := make(chan dataclients.Update)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log, _ := logtest.NewNullLogger()
	go func() {
		done <- New(Options{Paths: []string{filepath.Join(dir, "routes.eskip")}, Log: log}).Run(ctx, out)
	}()
	defer func() { cancel(); <-done }()
	h := &harness{t: t, out: out, done: done}
	h.expect("reset +r=http://v1")
	mk("..v2", `r: * -> "http://v2";`)
	if err := os.Symlink("..v2", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	h.expect("+r=http://v2")
}

func TestStartupErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.eskip")
	write(t, good, twoRoutes)
	bad := filepath.Join(dir, "bad.eskip")
	write(t, bad, "r1: * -> \"http://x\";\nr2: Path(\"/x\") -> #;\n")
	missing := filepath.Join(dir, "missing.eskip")
	for _, tc := range []struct {
		paths []string
		want  []string
	}{
		{nil, []string{"no routes file"}},
		{[]string{good, missing}, []string{"reading routes file", missing, "no such file"}},
		{[]string{bad}, []string{"routes file " + bad + " does not parse", bad + ":2:"}},
		{[]string{filepath.Join(dir, "nodir", "x.eskip")}, []string{"x.eskip"}},
	} {
		out := make(chan dataclients.Update, 1)
		err := New(Options{Paths: tc.paths}).Run(context.Background(), out)
		if err == nil {
			t.Errorf("%v: no error", tc.paths)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not contain %q", tc.paths, err, w)
			}
		}
		if len(out) != 0 {
			t.Errorf("%v: sent an update before failing", tc.paths)
		}
		if len(tc.paths) == 0 {
			continue
		}
		if _, lerr := Load(tc.paths...); lerr == nil || (len(tc.paths) == 1 && !strings.Contains(lerr.Error(), filepath.Base(tc.paths[0]))) {
			t.Errorf("Load%v: %v", tc.paths, lerr)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.eskip"), filepath.Join(dir, "b.eskip")
	write(t, a, `x: * -> "http://a"; y: * -> "http://a"; x: * -> "http://a2";`)
	write(t, b, `y: * -> "http://b";`)
	routes, err := Load(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(dataclients.Update{Upserts: routes}); got != "+x=http://a2 +y=http://b" {
		t.Fatalf("got %s", got)
	}
}

func TestName(t *testing.T) {
	if n := New(Options{Paths: []string{"routes.eskip"}}).Name(); n != "file:routes.eskip" {
		t.Fatal(n)
	}
	if n := New(Options{Paths: []string{"a.eskip", "b.eskip"}}).Name(); n != "file:a.eskip,b.eskip" {
		t.Fatal(n)
	}
}

func TestRunStopsWhileSending(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.eskip")
	write(t, p, twoRoutes)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- New(Options{Paths: []string{p}}).Run(ctx, make(chan dataclients.Update)) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSameRoute(t *testing.T) {
	parse := func(s string) *eskip.Route {
		r, err := eskip.ParseDocument("x", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return r[0]
	}
	base := `r: Host(/a/) && Header("A", "b") && HeaderRegexp("C", /d/) && Method("GET") && Cookie("k", /v/) && Traffic(.5) -> setPath("/x") -> f(1, "a") -> <roundRobin, "http://a", "http://b">`
	for _, tc := range []struct {
		other string
		same  bool
	}{
		{base, true},
		{strings.Replace(base, "/a/", "/z/", 1), false},
		{strings.Replace(base, `"b")`, `"B")`, 1), false},
		{strings.Replace(base, "/d/", "/e/", 1), false},
		{strings.Replace(base, `"GET"`, `"PUT"`, 1), false},
		{strings.Replace(base, "Traffic(.5)", "Traffic(.6)", 1), false},
		{strings.Replace(base, `f(1, "a")`, `f("1", "a")`, 1), false},
		{strings.Replace(base, "roundRobin", "random", 1), false},
		{strings.Replace(base, `"http://b"`, `"http://c"`, 1), false},
		{strings.Replace(base, `-> f(1, "a") `, "", 1), false},
		{" " + base, false}, // moved
	} {
		if got := sameRoute(parse(base), parse(tc.other)); got != tc.same {
			t.Errorf("%s: same=%v, want %v", tc.other, got, tc.same)
		}
	}
}

// Read buffers are reused, so parsed routes must not point into them.
func TestParsedRoutesDoNotAliasText(t *testing.T) {
	text := []byte(`r: Path("/p") && Cookie("c", /v/) -> setPath("/x") -> "http://h";`)
	routes, err := eskip.ParseDocument("f", text)
	if err != nil {
		t.Fatal(err)
	}
	before := routes[0].Id + routes[0].Path + routes[0].Backend + routes[0].Predicates[0].Args[0].(string) + routes[0].Filters[0].Args[0].(string)
	for i := range text {
		text[i] = 'X'
	}
	after := routes[0].Id + routes[0].Path + routes[0].Backend + routes[0].Predicates[0].Args[0].(string) + routes[0].Filters[0].Args[0].(string)
	if before != after {
		t.Fatalf("routes changed with the text: %q became %q", before, after)
	}
}

func TestSymlinkToOtherDirectory(t *testing.T) {
	real := filepath.Join(t.TempDir(), "real.eskip")
	write(t, real, `r: * -> "http://v1";`)
	link := filepath.Join(t.TempDir(), "routes.eskip")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	out := make(chan dataclients.Update)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log, _ := logtest.NewNullLogger()
	go func() { done <- New(Options{Paths: []string{link}, Log: log}).Run(ctx, out) }()
	defer func() { cancel(); <-done }()
	h := &harness{t: t, out: out, done: done}
	h.expect("reset +r=http://v1")
	write(t, real, `r: * -> "http://v2";`)
	h.expect("+r=http://v2")
}

// TestTruncatedFileKeepsRoutes: zero bytes after startup is a write in
// progress or a failed one; the routes stay until real content arrives.
func TestTruncatedFileKeepsRoutes(t *testing.T) {
	h := start(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": twoRoutes})
	h.expect("reset +r1=http://one +r2=http://two")
	write(t, h.path("routes.eskip"), "")
	h.quiet()
	warned := 0
	for _, e := range h.hook.AllEntries() {
		if e.Level == logrus.WarnLevel && strings.Contains(e.Message, "routes file "+h.path("routes.eskip")+" is empty") {
			warned++
		}
	}
	if warned != 1 {
		t.Fatalf("%d warnings about the empty file, want 1", warned)
	}
	// The writer finishes: the same content sends nothing.
	write(t, h.path("routes.eskip"), twoRoutes)
	h.quiet()
	write(t, h.path("routes.eskip"), "")
	h.quiet()
	write(t, h.path("routes.eskip"), twoRoutesEdited)
	h.expect("+r2=http://TWO +r3=http://three")
	// A file meant to be empty says so.
	write(t, h.path("routes.eskip"), "// no routes\n")
	h.expect("-r1 -r2 -r3")
	write(t, h.path("routes.eskip"), "")
	h.quiet()
	write(t, h.path("routes.eskip"), twoRoutes)
	h.expect("+r1=http://one +r2=http://two")
}

// TestEmptyFileAtStartup: with nothing to lose, an empty file is a valid
// file without routes.
func TestEmptyFileAtStartup(t *testing.T) {
	h := start(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": ""})
	h.expect("reset")
	write(t, h.path("routes.eskip"), twoRoutes)
	h.expect("+r1=http://one +r2=http://two")
}

// TestUnreadableFileKeepsRoutes: a routes file replaced by a directory, or
// by binary garbage, cannot be read or parsed; its routes stay and the log
// names the file.
func TestUnreadableFileKeepsRoutes(t *testing.T) {
	h := start(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": twoRoutes})
	h.expect("reset +r1=http://one +r2=http://two")
	p := h.path("routes.eskip")
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	h.quiet()
	logged := func(level logrus.Level, part string) bool {
		for _, e := range h.hook.AllEntries() {
			if e.Level == level && strings.Contains(e.Message, p) && strings.Contains(e.Message, part) {
				return true
			}
		}
		return false
	}
	if !logged(logrus.WarnLevel, "is a directory") {
		t.Error("the directory was not logged")
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	write(t, p, "\x00\xff\xfe garbage \x01")
	h.quiet()
	if !logged(logrus.ErrorLevel, p+":1:1: ") {
		t.Error("the garbage was not logged with its position")
	}
	write(t, p, twoRoutesEdited)
	h.expect("+r2=http://TWO +r3=http://three")
}

// TestPermissionDeniedKeepsRoutes: a file that becomes unreadable keeps its
// routes. (Root reads any file, so the test needs another user.)
func TestPermissionDeniedKeepsRoutes(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root is never denied")
	}
	h := start(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": twoRoutes})
	h.expect("reset +r1=http://one +r2=http://two")
	p := h.path("routes.eskip")
	tmp := h.path("new.tmp")
	write(t, tmp, twoRoutesEdited)
	if err := os.Chmod(tmp, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	h.quiet()
	found := false
	for _, e := range h.hook.AllEntries() {
		found = found || (e.Level == logrus.WarnLevel && strings.Contains(e.Message, p) && strings.Contains(e.Message, "permission denied"))
	}
	if !found {
		t.Error("the unreadable file was not logged")
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	h.expect("+r2=http://TWO +r3=http://three")
}

// TestSizeLimit: a file over MaxSize fails at startup and, later, keeps
// its routes with a warning naming it.
func TestSizeLimit(t *testing.T) {
	limit := int64(len(twoRoutesEdited) + 10)
	big := twoRoutes + "// " + strings.Repeat("x", int(limit)) + "\n"

	p := filepath.Join(t.TempDir(), "big.eskip")
	write(t, p, big)
	// Bounded, so that a client that wrongly accepts the file returns.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := New(Options{Paths: []string{p}, MaxSize: limit}).Run(ctx, make(chan dataclients.Update, 1))
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("startup with a file over the limit: %v", err)
	}

	h := startWith(t, []string{"routes.eskip"}, map[string]string{"routes.eskip": twoRoutes}, Options{MaxSize: limit})
	h.expect("reset +r1=http://one +r2=http://two")
	write(t, h.path("routes.eskip"), big)
	h.quiet()
	warned := false
	for _, e := range h.hook.AllEntries() {
		if e.Level == logrus.WarnLevel && strings.Contains(e.Message, h.path("routes.eskip")) && strings.Contains(e.Message, "over the limit") {
			warned = true
		}
	}
	if !warned {
		t.Error("the oversized file was not logged")
	}
	write(t, h.path("routes.eskip"), twoRoutesEdited)
	h.expect("+r2=http://TWO +r3=http://three")
}
