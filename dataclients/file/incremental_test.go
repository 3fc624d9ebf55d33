package file

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/skiff-proxy/skiff/eskip"
)

const baseDoc = `// routes for the test
r0: Path("/a") -> "http://a";
r1: Host(/^x[.]org$/) && PathSubtree("/api")
  -> setRequestHeader("X-A", "semi;colon // not a comment")
  -> "http://b";  r2: * -> <shunt>; // trailing comment
r3: Method("GET") && Cookie("c", /^v;/) -> <loopback>;

r4: PathRegexp(/\/x\//) -> <roundRobin, "http://c:1", "http://c:2">;
r5: * -> f(1.5, "two", /three/) -> "http://d";
r6: QueryParam("q") -> <dynamic>;
`

var snippets = []string{
	";", "//", "\"", "\n", " ", "r9: * -> <shunt>;", "x", "*", "(", ")", "->", "/", "`", ":",
	"r1", "\"http://z\"", "<shunt>", "1.", "&&", "Path(\"/q\")", "\n// c\n", "r7: Path(\"/n\")\n -> <shunt>;\n",
}

func edit(rnd *rand.Rand, doc string) string {
	at := rnd.IntN(len(doc) + 1)
	switch rnd.IntN(3) {
	case 0:
		return doc[:at] + snippets[rnd.IntN(len(snippets))] + doc[at:]
	case 1:
		end := min(len(doc), at+1+rnd.IntN(12))
		return doc[:at] + doc[end:]
	default:
		end := min(len(doc), at+1+rnd.IntN(6))
		return doc[:at] + snippets[rnd.IntN(len(snippets))] + doc[end:]
	}
}

func full(t *testing.T, text string) ([]*eskip.Route, error) {
	t.Helper()
	return eskip.ParseDocumentString("f.eskip", text)
}

// The partial parse must give exactly what a full parse gives, for every
// edit: the same routes (values and positions) or an error.
func TestPartialParseEqualsFullParse(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 11))
	partial := 0
	for round := 0; round < 1000; round++ {
		routes, err := full(t, baseDoc)
		if err != nil {
			t.Fatal(err)
		}
		doc := newDocument(baseDoc, routes)
		text := baseDoc
		// A chain of edits, each starting from the last good document.
		for step := 0; step < 6; step++ {
			next := edit(rnd, text)
			want, wantErr := full(t, next)
			if parsePart(eskip.ParseDocumentString, "f.eskip", doc, next) != nil {
				partial++
			}
			got, err := parseChange(eskip.ParseDocumentString, "f.eskip", doc, next)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("round %d step %d: error %v, full parse error %v\nbefore:\n%s\nafter:\n%s", round, step, err, wantErr, text, next)
			}
			if err != nil {
				continue
			}
			if msg := compare(got, want); msg != "" {
				t.Fatalf("round %d step %d: %s\nbefore:\n%s\nafter:\n%s", round, step, msg, text, next)
			}
			doc, text = got, next
		}
	}
	if partial < 500 {
		t.Errorf("only %d partial parses: the test does not exercise them", partial)
	}
}

func compare(got *document, want []*eskip.Route) string {
	if len(got.routes) != len(want) {
		return fmt.Sprintf("%d routes, want %d", len(got.routes), len(want))
	}
	for i, w := range want {
		if got.pos[i] != locOf(w.Pos) || got.routes[i].Pos.Source != w.Pos.Source {
			return fmt.Sprintf("route %d (%s) at %+v, want %+v", i, w.Id, got.pos[i], w.Pos)
		}
		if !sameRoute(got.routes[i], w) {
			return fmt.Sprintf("route %d differs: %+v, want %+v", i, *got.routes[i], *w)
		}
	}
	return ""
}

func TestPartialParseKeepsUntouchedInstances(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "r%d: Path(\"/%d\") -> \"http://h%d\";\n", i, i, i)
	}
	text := b.String()
	routes, _ := full(t, text)
	doc := newDocument(text, routes)
	next := strings.Replace(text, "http://h20", "http://changed20", 1)
	d := parsePart(eskip.ParseDocumentString, "f.eskip", doc, next)
	if d == nil {
		t.Fatal("no partial parse")
	}
	for i, r := range d.routes {
		if (r != routes[i]) != (i == 20) {
			t.Errorf("route %d: new instance %v", i, r != routes[i])
		}
	}
	if d.pos[21].Offset != routes[21].Pos.Offset+6 {
		t.Errorf("offset of r21 not shifted: %d", d.pos[21].Offset)
	}
	// The re-parsed route points into a copy of its part, not into the
	// new text: each change would otherwise keep a whole text alive.
	if r := d.routes[20]; within(r.Id, next) || within(r.Backend, next) {
		t.Error("the re-parsed route's strings point into the whole new text")
	}
}

// within reports whether sub's bytes lie inside s's memory.
func within(sub, s string) bool {
	p, q := uintptr(unsafe.Pointer(unsafe.StringData(sub))), uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return len(sub) > 0 && p >= q && p+uintptr(len(sub)) <= q+uintptr(len(s))
}

func TestPartialParseEdgeCases(t *testing.T) {
	for _, tc := range []struct{ name, before, after string }{
		{"last route loses its id", "a: * -> <shunt>;\nb: * -> <shunt>;\n", "a: * -> <shunt>;\n* -> <shunt>\n"},
		{"comment swallows the next route", "a: * -> <shunt>;\nb: * -> <shunt>;\nc: * -> <shunt>;\n", "a: * -> <shunt>;//\nb: * -> <shunt>;\nc: * -> <shunt>;\n"},
		{"missing separator", "a: * -> <shunt>;\nb: * -> <shunt>;\nc: * -> <shunt>;\n", "a: * -> <shunt>\nb: * -> <shunt>;\nc: * -> <shunt>;\n"},
		{"string runs into the next route", "a: * -> \"x\";\nb: * -> \"y\";\nc: * -> <shunt>;\n", "a: * -> \"x;\nb: * -> \"y\";\nc: * -> <shunt>;\n"},
		{"only route becomes bare", "a: * -> <shunt>;\n", "* -> <shunt>\n"},
		{"insert before first route", "// c\na: * -> <shunt>;\nb: * -> <shunt>;\n", "// cc\nz: * -> <shunt>;\na: * -> <shunt>;\nb: * -> <shunt>;\n"},
		{"same line shift", "a: * -> \"x\"; b: * -> \"y\"; c: * -> \"z\";\nd: * -> <shunt>;", "a: * -> \"xxx\"; b: * -> \"y\"; c: * -> \"z\";\nd: * -> <shunt>;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			routes, err := full(t, tc.before)
			if err != nil {
				t.Fatal(err)
			}
			want, wantErr := full(t, tc.after)
			got, err := parseChange(eskip.ParseDocumentString, "f.eskip", newDocument(tc.before, routes), tc.after)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, full parse error %v", err, wantErr)
			}
			if err == nil {
				if msg := compare(got, want); msg != "" {
					t.Fatal(msg)
				}
			}
		})
	}
}

func TestCommonPrefixSuffix(t *testing.T) {
	a := strings.Repeat("abcdefgh", 2000)
	for _, tc := range []struct {
		b            string
		prefix, suff int
	}{
		{a, len(a), len(a)},
		{"x" + a, 0, len(a)},
		{a[:5000] + "x", 5000, 0},
		{a[:9000] + "Z" + a[9001:], 9000, len(a) - 9001},
		{"", 0, 0},
	} {
		if p := commonPrefix(a, tc.b); p != tc.prefix {
			t.Errorf("prefix %d, want %d", p, tc.prefix)
		}
		if s := commonSuffix(a, tc.b); s != tc.suff {
			t.Errorf("suffix %d, want %d", s, tc.suff)
		}
	}
}
