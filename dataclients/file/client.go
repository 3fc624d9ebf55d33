package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// Defaults of Options.
const (
	DefaultDebounce    = 10 * time.Millisecond
	DefaultDeleteGrace = 100 * time.Millisecond
	// DefaultMaxSize bounds a routes file: about two million routes of
	// the usual size. A larger file is most likely not a routes file.
	DefaultMaxSize = 256 << 20
)

// Options configure a Client.
type Options struct {
	// Paths are the eskip files, in merge order: on an id present in
	// several files the later file wins.
	Paths []string
	// Log receives parse errors (one entry per error, "file:line:col:
	// message") and watch problems. Default: logrus' standard logger.
	Log logrus.FieldLogger
	// Debounce is the quiet time after the last change event before the
	// files are read again, so that a file being written is read once,
	// whole. Reading is never delayed by more than ten times Debounce.
	// Default DefaultDebounce.
	Debounce time.Duration
	// DeleteGrace is how long a file must stay missing before its routes
	// are withdrawn, so that editors which move the old file away before
	// writing the new one do not make routes blink. Default DefaultDeleteGrace.
	DeleteGrace time.Duration
	// MaxSize is the largest routes file read, in bytes. A larger file
	// fails at startup and keeps its last routes afterwards. Default
	// DefaultMaxSize.
	MaxSize int64
	// Parsed are routes already parsed from a file's text, by path as
	// given (the pipeline parses the files before starting, to fail fast
	// with every error position). When the client's first read of the
	// file finds the same text it takes these routes instead of parsing
	// it again: a large file is parsed once at startup.
	Parsed map[string]Parsed
}

// Parsed is a file's text and the routes parsed from it.
type Parsed struct {
	Text   []byte
	Routes []*eskip.Route
}

// Client is the file data client. Create it with New.
type Client struct {
	name  string
	paths []string
	log   logrus.FieldLogger
	wait  time.Duration
	grace time.Duration
	max   int64
	parse parseFunc
}

var _ dataclients.DataClient = (*Client)(nil)

// New returns a client over o.Paths. Nothing is read before Run.
func New(o Options) *Client {
	c := &Client{
		name:  "file:" + strings.Join(o.Paths, ","),
		paths: append([]string(nil), o.Paths...),
		log:   o.Log,
		wait:  o.Debounce,
		grace: o.DeleteGrace,
		max:   o.MaxSize,
		parse: eskip.ParseDocument,
	}
	if len(o.Parsed) > 0 {
		c.parse = reuseParsed(o.Parsed, c.parse)
	}
	if c.log == nil {
		c.log = logrus.StandardLogger()
	}
	c.log = c.log.WithField("dataclient", c.name)
	if c.wait <= 0 {
		c.wait = DefaultDebounce
	}
	if c.grace <= 0 {
		c.grace = DefaultDeleteGrace
	}
	if c.max <= 0 {
		c.max = DefaultMaxSize
	}
	return c
}

// Name is "file:" followed by the paths as given, comma-separated.
func (c *Client) Name() string { return c.name }

// Run watches the files and sends their routes: first one Update with Reset
// and the merged routes of all files, then an Update for every change that
// alters the merged set. If a file is missing, unreadable or does not parse
// at startup, Run returns an error naming it (and every error position)
// before sending anything. After startup such problems are logged, and the
// file's last good routes stay, except that the routes of a deleted file
// are withdrawn until it comes back. Run returns nil when ctx is done.
func (c *Client) Run(ctx context.Context, out chan<- dataclients.Update) error {
	if len(c.paths) == 0 {
		return errors.New("file data client: no routes file given")
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("file data client: starting file watcher: %w", err)
	}
	defer w.Close()

	// Watch before the first read, so that no change after it is missed.
	files := make([]*fileState, len(c.paths))
	dirs := map[string]bool{}
	for i, p := range c.paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return fmt.Errorf("file data client: %s: %w", p, err)
		}
		files[i] = &fileState{path: p, abs: abs, target: abs}
		watch := []string{filepath.Dir(abs)}
		// A symbolic link to a file elsewhere: edits of the target happen
		// in the target's directory.
		if t, err := filepath.EvalSymlinks(abs); err == nil && t != abs {
			files[i].target = t
			watch = append(watch, filepath.Dir(t))
		}
		for _, dir := range watch {
			if dirs[dir] {
				continue
			}
			if err := w.Add(dir); err != nil {
				return fmt.Errorf("file data client: watching directory of routes file %s: %w", p, err)
			}
			dirs[dir] = true
		}
	}
	for _, f := range files {
		if err := f.first(c.parse, c.max); err != nil {
			return err
		}
	}

	l := &loop{Client: c, files: files, dirty: make([]bool, len(files))}
	u := l.resetUpdate()
	if !l.send(ctx, out, u) {
		return nil
	}
	l.sent(u.Upserts)
	return l.run(ctx, w, out)
}

// fileState is what the client knows of one file.
type fileState struct {
	path, abs string
	target    string // abs with symbolic links resolved at startup
	present   bool   // the file existed at the last read
	text      []byte // content at the last read, parsed or not
	spare     []byte // a buffer for the next read, not referenced elsewhere
	doc       *document
	routes    []*eskip.Route // last good routes
	broken    bool           // the last read did not parse
	empty     bool           // the last read found 0 bytes; routes kept
	missing   time.Time      // when it was first found missing, while in grace
}

// first reads the file at startup, when any problem is fatal.
func (f *fileState) first(parse parseFunc, max int64) error {
	text, routes, err := loadFile(parse, f.path, f.abs, max)
	if err != nil {
		return err
	}
	f.present, f.text, f.doc, f.routes = true, text, newDocument(text, routes), routes
	return nil
}

// outcome of reading a file again.
type outcome int

const (
	unchanged outcome = iota
	changed
	gone // missing; the caller decides about the grace period
)

// reread reads f again. On changed, prev holds the routes before.
func (c *Client) reread(f *fileState) (o outcome, prev []*eskip.Route, win window) {
	text, err := readInto(f.abs, f.spare, c.max)
	f.spare = nil
	if errors.Is(err, fs.ErrNotExist) {
		return gone, nil, window{}
	}
	f.missing = time.Time{}
	if err != nil {
		c.log.Warnf("reading routes file %s, keeping its routes: %v", f.path, err)
		return unchanged, nil, window{}
	}
	if f.present && bytes.Equal(text, f.text) {
		f.spare = text
		return unchanged, nil, window{}
	}
	if len(text) == 0 && f.present && len(f.routes) > 0 {
		// Zero bytes is what an in-place write (truncate, then write)
		// shows until it is done, and what a failed write (disk full, a
		// broken template) leaves behind: withdrawing every route for
		// it would turn a transient or partial failure into an outage.
		// A file meant to hold no routes says so with a comment or a
		// blank line.
		f.spare = text
		if !f.empty {
			f.empty = true
			c.log.Warnf("routes file %s is empty (0 bytes), keeping its %d last routes; to remove them, leave a comment or blank line in it, or delete it", f.path, len(f.routes))
		}
		return unchanged, nil, window{}
	}
	if f.empty {
		f.empty = false
		c.log.Infof("routes file %s has content again", f.path)
	}
	// The previous content becomes the next read buffer unless it is the
	// text of the last good parse, which a later partial parse starts from.
	defer func(old []byte) {
		if f.doc == nil || !sameBuffer(old, f.doc.text) {
			f.spare = old
		}
	}(f.text)
	f.present, f.text = true, text
	doc, err := parseChange(c.parse, f.path, f.doc, text)
	if err != nil {
		each(err, func(e error) { c.log.Error(e.Error()) })
		c.log.Warnf("routes file %s does not parse, keeping its %d last good routes", f.path, len(f.routes))
		f.broken = true
		return unchanged, nil, window{}
	}
	if f.broken {
		f.broken = false
		c.log.Infof("routes file %s parses again", f.path)
	}
	prev, f.doc, f.routes = f.routes, doc, doc.routes
	return changed, prev, doc.win
}

// errTooLarge is returned (wrapped) for a file over the size limit.
var errTooLarge = errors.New("routes file too large")

// readInto reads the file at path into buf, growing it as needed, and
// fails for a file larger than max bytes. Reusing
// the buffer of an earlier read spares a large allocation (and garbage
// collection work) for every change of a large file. This relies on
// eskip.ParseDocument not keeping references into the text it is given
// (TestParsedRoutesDoNotAliasText guards it).
func readInto(path string, buf []byte, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooLarge := func(size int64) error {
		return fmt.Errorf("%s is %d bytes, over the limit of %d: %w", path, size, max, errTooLarge)
	}
	if st, err := f.Stat(); err == nil {
		if st.Size() > max {
			return nil, tooLarge(st.Size())
		}
		if int64(cap(buf)) < st.Size()+512 {
			buf = make([]byte, 0, st.Size()+512)
		}
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max { // it grew while being read
			return nil, tooLarge(int64(len(buf)))
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func sameBuffer(a, b []byte) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}
