package file

import (
	"path/filepath"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

// A file parsed before the client started is not parsed again by its
// first read, and its text is the one kept; a changed file, a second read
// and another file are parsed.
func TestFirstReadTakesParsedRoutes(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.eskip"), filepath.Join(dir, "b.eskip")
	write(t, a, `r: * -> "http://a";`)
	write(t, b, `r: * -> "http://b";`)
	pre := []*eskip.Route{{Id: "pre"}}
	// The entry's text is built, not the constant, so that keeping it is
	// told from keeping a text of equal bytes.
	text := string([]byte(`r: * -> "http://a";`))
	parsed := newPreParsed(map[string]Parsed{a: {Text: text, Routes: pre}, "other": {Text: "x", Routes: pre}})
	calls := 0
	parse := func(source, text string) ([]*eskip.Route, error) {
		calls++
		return eskip.ParseDocumentString(source, text)
	}

	f := &fileState{path: a, abs: a}
	if err := f.first(parse, parsed.take(a), DefaultMaxSize); err != nil {
		t.Fatal(err)
	}
	if len(f.routes) != 1 || f.routes[0] != pre[0] || calls != 0 {
		t.Fatalf("first read of the same text: %v, %d parses", f.routes, calls)
	}
	if unsafeData(f.doc.text) != unsafeData(text) || unsafeData(f.text) != unsafeData(text) {
		t.Error("the client keeps a second copy of the text parsed before it started")
	}
	if parsed.take(a) != nil {
		t.Error("an entry was handed out twice")
	}

	// The file changed between the two reads.
	parsed = newPreParsed(map[string]Parsed{b: {Text: `r: * -> "http://old";`, Routes: pre}})
	g := &fileState{path: b, abs: b}
	if err := g.first(parse, parsed.take(b), DefaultMaxSize); err != nil {
		t.Fatal(err)
	}
	if len(g.routes) != 1 || g.routes[0].Backend != "http://b" || calls != 1 {
		t.Fatalf("changed text: %v, %d parses", g.routes, calls)
	}
	if parsed.take("nothing") != nil || (*preParsed)(nil).take(a) != nil {
		t.Error("take of an unknown path")
	}
}
