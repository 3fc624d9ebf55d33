package file

import (
	"sort"
	"strings"

	"github.com/skiff-proxy/skiff/eskip"
)

// document is the last successfully parsed content of a file.
type document struct {
	text   string
	routes []*eskip.Route // as delivered; unchanged instances are reused across parses
	pos    []loc          // true positions of routes in text (reused instances may carry older offsets)
	win    window         // what changed against the previous document
}

// loc is a route's position without the source name: no pointers, so the
// garbage collector does not scan the large slices of them.
type loc struct{ Offset, Line, Column int }

func locOf(p eskip.Position) loc { return loc{p.Offset, p.Line, p.Column} }

// window tells which routes of a document replaced which of the previous
// one: routes[lo:newHi] replaced previous[lo:oldHi]. Outside the window
// both have the same definitions in the same order, routes[k+newHi-oldHi]
// corresponding to previous[k] for k >= oldHi; an instance differs from the
// previous one only where its line or column changed.
type window struct{ lo, oldHi, newHi int }

func newDocument(text string, routes []*eskip.Route) *document {
	d := &document{text: text, routes: routes, pos: make([]loc, len(routes)), win: window{0, 0, len(routes)}}
	for i, r := range routes {
		d.pos[i] = locOf(r.Pos)
	}
	return d
}

// parseChange parses text, the new content of the file whose previous
// content was old (nil if none). A large file usually changes in a few
// routes, so instead of parsing it whole, it re-parses only the routes that
// overlap the changed bytes and keeps the routes before and after, whose text
// did not change (with their positions shifted). That is only done where the
// outcome provably equals a full parse: the re-parsed part starts at a route
// boundary of the old text that lies before every changed byte, and it must
// end by parsing the first unchanged route at exactly its shifted position,
// which shows that the parser is at a route boundary there too. Anything else,
// including every parse error, falls back to a full parse, so errors and
// their positions are the full parse's.
func parseChange(parse parseFunc, source string, old *document, text string) (*document, error) {
	if d := parsePart(parse, source, old, text); d != nil {
		return d, nil
	}
	routes, err := parse(source, text)
	if err != nil {
		return nil, err
	}
	d := newDocument(text, routes)
	if old != nil {
		d.win.oldHi = len(old.routes)
	}
	return d, nil
}

// parsePart is the partial parse of parseChange; nil means "parse it all".
func parsePart(parse parseFunc, source string, old *document, text string) *document {
	if old == nil || len(old.routes) == 0 || old.routes[0].Id == "" {
		return nil
	}
	ot, pos := old.text, old.pos
	prefix := commonPrefix(ot, text)
	suffix := commonSuffix(ot[prefix:], text[prefix:])
	shift := len(text) - len(ot)

	// First re-parsed route: the last one starting at or before the first
	// changed byte; the bytes before it and the lexer state there are as
	// before, and the parser is between two route definitions.
	first := sort.Search(len(pos), func(k int) bool { return pos[k].Offset > prefix }) - 1
	start, line, col := 0, 1, 1
	if first >= 0 {
		start, line, col = pos[first].Offset, pos[first].Line, pos[first].Column
	} else {
		first = 0
	}
	// First kept route: the first one after that starting inside the
	// unchanged tail. It is parsed once more as a witness.
	tail := sort.Search(len(pos), func(k int) bool { return pos[k].Offset >= len(ot)-suffix })
	if tail <= first {
		tail = first + 1
	}
	if start == 0 && tail >= len(pos) {
		return nil // that is the whole document
	}
	end := len(text)
	if tail+1 < len(pos) {
		end = pos[tail+1].Offset + shift
	}
	// A copy of the part: the new routes point into what they were parsed
	// from, and a slice of text would keep all of it alive as long as any
	// of them lives, one whole text per change.
	part, err := parse(source, strings.Clone(text[start:end]))
	if err != nil {
		return nil
	}
	if tail < len(pos) {
		if len(part) == 0 {
			return nil
		}
		w := part[len(part)-1]
		if w.Id != old.routes[tail].Id || start+w.Pos.Offset != pos[tail].Offset+shift {
			return nil
		}
		part = part[:len(part)-1]
	}
	for _, r := range part {
		if r.Id == "" && (start > 0 || tail < len(pos)) {
			return nil // a route without id is only valid as the whole document
		}
	}

	n := first + len(part) + len(old.routes) - tail
	d := &document{text: text, routes: make([]*eskip.Route, 0, n), pos: make([]loc, 0, n),
		win: window{first, tail, first + len(part)}}
	d.routes = append(d.routes, old.routes[:first]...)
	d.pos = append(d.pos, pos[:first]...)
	for _, r := range part {
		p := r.Pos
		if p.Line == 1 {
			p.Column += col - 1
		}
		p.Line += line - 1
		p.Offset += start
		r.Pos = p
		d.routes = append(d.routes, r)
		d.pos = append(d.pos, locOf(p))
	}
	if tail < len(pos) {
		// The witness told where the first kept route starts now; routes on
		// its old line move by as many columns as it did.
		newTail := locate(text, start, line, col, pos[tail].Offset+shift)
		dLine, dCol, oldLine := newTail.Line-pos[tail].Line, newTail.Column-pos[tail].Column, pos[tail].Line
		for k := tail; k < len(pos); k++ {
			p := pos[k]
			if p.Line == oldLine {
				p.Column += dCol
			}
			p.Line += dLine
			p.Offset += shift
			r := old.routes[k]
			if r.Pos.Line != p.Line || r.Pos.Column != p.Column {
				c := *r
				c.Pos.Line, c.Pos.Column, c.Pos.Offset = p.Line, p.Column, p.Offset
				r = &c
			}
			d.routes = append(d.routes, r)
			d.pos = append(d.pos, p)
		}
	}
	return d
}

// locate returns the position of offset off in text, counting from a known
// position (from, line, col).
func locate(text string, from, line, col, off int) loc {
	seg := text[from:off]
	if nl := strings.Count(seg, "\n"); nl > 0 {
		return loc{Line: line + nl, Column: len(seg) - strings.LastIndexByte(seg, '\n'), Offset: off}
	}
	return loc{Line: line, Column: col + len(seg), Offset: off}
}

// chunk is the block size of the common prefix and suffix scans, which
// compare whole blocks with the vectorised string comparison first.
const chunk = 4096

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i+chunk <= n && a[i:i+chunk] == b[i:i+chunk] {
		i += chunk
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

func commonSuffix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i+chunk <= n && a[len(a)-i-chunk:len(a)-i] == b[len(b)-i-chunk:len(b)-i] {
		i += chunk
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}
