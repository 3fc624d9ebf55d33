package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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

// Parsed is a file's text and the routes parsed from it
// (eskip.ParseDocumentString, whose routes may point into the text).
type Parsed struct {
	Text   string
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
	pre   *preParsed
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
		parse: eskip.ParseDocumentString,
	}
	if len(o.Parsed) > 0 {
		c.pre = newPreParsed(o.Parsed)
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
		if err := f.first(c.parse, c.pre.take(f.path), c.max); err != nil {
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
	text      string // content at the last read, parsed or not
	doc       *document
	routes    []*eskip.Route // last good routes
	broken    bool           // the last read did not parse
	empty     bool           // the last read found 0 bytes; routes kept
	missing   time.Time      // when it was first found missing, while in grace
}

// first reads the file at startup, when any problem is fatal. pre, if not
// nil, was parsed before the client started.
func (f *fileState) first(parse parseFunc, pre *Parsed, max int64) error {
	text, routes, err := loadFile(parse, pre, f.path, f.abs, max)
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
	text, same, err := readChanged(f.abs, f.text, f.present, c.max)
	if errors.Is(err, fs.ErrNotExist) {
		return gone, nil, window{}
	}
	f.missing = time.Time{}
	if err != nil {
		c.log.Warnf("reading routes file %s, keeping its routes: %v", f.path, err)
		return unchanged, nil, window{}
	}
	if same {
		return unchanged, nil, window{}
	}
	if len(text) == 0 && f.present && len(f.routes) > 0 {
		// Zero bytes is what an in-place write (truncate, then write)
		// shows until it is done, and what a failed write (disk full, a
		// broken template) leaves behind: withdrawing every route for
		// it would turn a transient or partial failure into an outage.
		// A file meant to hold no routes says so with a comment or a
		// blank line.
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
