package body

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"sync/atomic"
	"unicode/utf8"
)

var (
	// ErrEditorBufferFull ends a body edited by a sed filter with
	// "abort" when the editor would have to hold more than its buffer.
	ErrEditorBufferFull = errors.New("sed: editor buffer full")
	// ErrClosed is returned by reads of a body after its Close.
	ErrClosed = errors.New("body: reader closed")
)

const (
	// defaultMaxBuf is the editor's window when the route sets none,
	// skipper's 2 MiB.
	defaultMaxBuf = 2 << 20
	// readSize is the most the editor reads from its source at once.
	readSize = 32 << 10
	// lazyRescan is the window size from which the editor, after a pass
	// that released nothing, waits until the window has doubled before it
	// looks again, so that a window growing to its limit is scanned a
	// logarithmic number of times rather than once per read.
	lazyRescan = 4 << 10
)

// edit is the part of a sed filter the editor needs; it is shared by every
// body the filter edits and never changed.
type edit struct {
	re     *regexp.Regexp
	repl   []byte
	delim  []byte // empty: not delimited
	maxBuf int    // bytes the editor may hold
	abort  bool   // on a full buffer, fail instead of editing what is held
	maxLen int    // longest match in bytes, or unbounded
	prefix []byte // literal prefix every match starts with
	// literal: the pattern is prefix and nothing else (no assertion, no
	// flag), so matches are found with bytes.Index
	literal bool
}

// findAll appends to dst the start and end of each leftmost-first match
// in b, as regexp.FindAllIndex finds them; a literal pattern is looked up
// without the regexp engine.
func (e *edit) findAll(dst []int, b []byte) []int {
	dst = dst[:0]
	if !e.literal {
		for _, m := range e.re.FindAllIndex(b, -1) {
			dst = append(dst, m[0], m[1])
		}
		return dst
	}
	for pos := 0; ; {
		i := bytes.Index(b[pos:], e.prefix)
		if i < 0 {
			return dst
		}
		pos += i
		dst = append(dst, pos, pos+len(e.prefix))
		pos += len(e.prefix)
	}
}

// editor streams src through an edit. It holds back only what a later
// byte could still change:
//
//   - for patterns whose matches have a length bound, as many bytes as
//     the longest match, so that a match across reads is found and
//     replaced as if the body were edited in one piece;
//   - for patterns of unbounded length (*, +, {n,}), as skipper does: a
//     match that reaches the end of what was read, and what follows the
//     last match unless a literal prefix of the pattern rules it out;
//   - for the delimited variants, the incomplete last chunk.
//
// The byte before the window is kept as context, so ^, \A and \b see the
// body, not the window. Whatever the editor holds is bounded by maxBuf:
// reaching it, the held bytes are edited as a complete piece and passed on
// ("best-effort") or the body fails with ErrEditorBufferFull ("abort").
//
// The editor returns edited bytes as soon as it has any; it never waits
// for a caller's buffer to fill.
type editor struct {
	src io.ReadCloser
	e   *edit

	buf        []byte // window: buf[start:end]; its first ctx bytes were passed on already
	start, end int
	ctx        int
	scanned    int // delimited: bytes of the window known to hold no delimiter
	minNew     int // bytes to read before the next pass
	newBytes   int // read since the last pass

	ms     []int  // scratch for findAll
	out    []byte // edited bytes not yet returned: out[outPos:]
	outPos int

	done   bool
	err    error // returned once out is drained and done is set
	closed atomic.Bool
}

func newEditor(src io.ReadCloser, e *edit) *editor {
	return &editor{src: src, e: e}
}

func (ed *editor) Read(p []byte) (int, error) {
	if ed.closed.Load() {
		return 0, ErrClosed
	}
	for {
		if ed.outPos < len(ed.out) {
			n := copy(p, ed.out[ed.outPos:])
			ed.outPos += n
			return n, nil
		}
		if ed.done {
			return 0, ed.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		ed.step()
	}
}

// Close closes the source; reads after it fail with ErrClosed. It touches
// no state of Read, so it may be called while a Read is blocked.
func (ed *editor) Close() error {
	ed.closed.Store(true)
	return ed.src.Close()
}

// step reads once from the source and, when enough new input is there,
// edits what can be released into out.
func (ed *editor) step() {
	ed.out, ed.outPos = ed.out[:0], 0
	held := ed.end - ed.start - ed.ctx
	want := min(ed.e.maxBuf-held, readSize)
	ed.room(want)
	n, err := ed.src.Read(ed.buf[ed.end : ed.end+want])
	ed.end += n
	ed.newBytes += n
	if err != nil {
		ed.pass(true)
		ed.finish(err)
		return
	}
	held += n
	if n == 0 || (ed.newBytes < ed.minNew && held < ed.e.maxBuf) {
		return
	}
	ed.newBytes = 0
	released := ed.pass(false)
	held = ed.end - ed.start - ed.ctx
	if held >= ed.e.maxBuf {
		if ed.e.abort {
			ed.finish(ErrEditorBufferFull)
			return
		}
		ed.pass(true)
		released, held = true, 0
	}
	ed.minNew = 0
	if !released && held >= lazyRescan {
		ed.minNew = held
	}
}

// finish ends the stream with err once out is drained.
func (ed *editor) finish(err error) {
	ed.done, ed.err = true, err
	ed.buf = nil
	ed.start, ed.end, ed.ctx = 0, 0, 0
}

// room makes space for n more bytes at the end of the window, moving the
// window to the front of buf or growing buf.
func (ed *editor) room(n int) {
	if len(ed.buf)-ed.end >= n {
		return
	}
	used := ed.end - ed.start
	if len(ed.buf)-used < n {
		size := max(min(2*len(ed.buf), ed.e.maxBuf+1), used+n, min(readSize, ed.e.maxBuf+1))
		b := make([]byte, size)
		copy(b, ed.buf[ed.start:ed.end])
		ed.buf = b
	} else {
		copy(ed.buf, ed.buf[ed.start:ed.end])
	}
	ed.start, ed.end = 0, used
}

// pass edits the window. With final set every byte is decided: the end of
// the input, or a full buffer given up on. It reports whether it released
// any input.
func (ed *editor) pass(final bool) bool {
	if len(ed.e.delim) > 0 {
		return ed.passDelimited(final)
	}
	return ed.passStream(final)
}

func (ed *editor) passStream(final bool) bool {
	e := ed.e
	w := ed.buf[ed.start:ed.end]
	c := ed.ctx
	ed.ms = e.findAll(ed.ms, w)
	if c > 0 && len(ed.ms) > 0 && ed.ms[0] < c && ed.ms[1] > c {
		// A match through the context byte would hide one starting
		// after it: look again without the context.
		ed.start += c
		w, c, ed.ctx = w[c:], 0, 0
		ed.ms = e.findAll(ed.ms, w)
	}
	bounded := e.maxLen != unbounded
	// Below safe, every match that could start there ends inside the
	// window, and so does the byte after it that \b and $ look at. (A
	// rune the window's end cuts decodes as U+FFFD; a pattern that could
	// take it for one counts 3 or 4 bytes for it, enough to reach past
	// the end, so it is never decided on.)
	safe := len(w) - e.maxLen
	pos, hold := c, -1
	for i := 0; i < len(ed.ms); i += 2 {
		m0, m1 := ed.ms[i], ed.ms[i+1]
		if m0 < c || m0 == m1 {
			continue // in the context, or empty: ignored
		}
		if !final && ((bounded && m0 >= safe) || (!bounded && m1 >= len(w))) {
			hold = m0 // later input may change this match
			break
		}
		ed.out = append(ed.out, w[pos:m0]...)
		ed.out = append(ed.out, e.repl...)
		pos = m1
	}
	d := len(w) // end of what is released
	if !final {
		d = pos
		if bounded {
			d = max(d, safe)
		}
		if len(e.prefix) > 0 {
			d = max(d, prefixStart(w, pos, e.prefix))
		}
		if hold >= 0 {
			if !bounded {
				d = max(d, hold) // skipper's rule: what precedes a match goes
			}
			d = min(d, hold)
		}
		d = min(d, len(w))
		// Never cut a rune: the next window must not start inside one,
		// where the pattern could match its continuation bytes.
		for i := 0; i < utf8.UTFMax-1 && d > pos && d < len(w) && !utf8.RuneStart(w[d]); i++ {
			d--
		}
	}
	ed.out = append(ed.out, w[pos:d]...)
	keep := max(d-1, 0) // the last released byte stays as context
	ed.start += keep
	ed.ctx = d - keep
	return d > c
}

func (ed *editor) passDelimited(final bool) bool {
	e := ed.e
	w := ed.buf[ed.start:ed.end]
	chunk := 0
	for {
		from := max(chunk, ed.scanned)
		i := bytes.Index(w[from:], e.delim)
		if i < 0 {
			break
		}
		end := from + i + len(e.delim)
		ed.editChunk(w[chunk:end])
		chunk = end
	}
	if final {
		ed.editChunk(w[chunk:])
		chunk = len(w)
	}
	ed.start += chunk
	ed.scanned = max(0, len(w)-chunk-len(e.delim)+1)
	return chunk > 0
}

// prefixStart is the first position from pos where a match could start:
// where the prefix is, or where the window ends with a beginning of it.
// No match starts anywhere else.
func prefixStart(w []byte, pos int, prefix []byte) int {
	if i := bytes.Index(w[pos:], prefix); i >= 0 {
		return pos + i
	}
	for j := max(pos, len(w)-len(prefix)+1); j < len(w); j++ {
		if bytes.HasPrefix(prefix, w[j:]) {
			return j
		}
	}
	return len(w)
}

// editChunk replaces every non-empty match in b, a complete piece.
func (ed *editor) editChunk(b []byte) {
	pos := 0
	ed.ms = ed.e.findAll(ed.ms, b)
	for i := 0; i < len(ed.ms); i += 2 {
		m0, m1 := ed.ms[i], ed.ms[i+1]
		if m0 == m1 {
			continue
		}
		ed.out = append(ed.out, b[pos:m0]...)
		ed.out = append(ed.out, ed.e.repl...)
		pos = m1
	}
	ed.out = append(ed.out, b[pos:]...)
}
