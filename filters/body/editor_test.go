package body

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// reference edits the whole body at once: every non-empty match of the
// leftmost-first scan replaced, as the editor does when nothing overflows.
func reference(re *regexp.Regexp, repl, body string) string {
	var b strings.Builder
	pos := 0
	for _, m := range re.FindAllStringIndex(body, -1) {
		if m[0] == m[1] {
			continue
		}
		b.WriteString(body[pos:m[0]])
		b.WriteString(repl)
		pos = m[1]
	}
	b.WriteString(body[pos:])
	return b.String()
}

func newEdit(t testing.TB, pattern, repl, delim string, maxBuf int, abort bool) *edit {
	t.Helper()
	re := regexp.MustCompile(pattern)
	prefix, complete := re.LiteralPrefix()
	if maxBuf <= 0 {
		maxBuf = defaultMaxBuf
	}
	return &edit{re: re, repl: []byte(repl), delim: []byte(delim), maxBuf: maxBuf, abort: abort,
		maxLen: maxMatchLen(pattern), prefix: []byte(prefix), literal: complete && prefix != ""}
}

// chunked returns the body in reads of the given sizes, cycling.
type chunked struct {
	b     []byte
	sizes []int
	i     int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.b), c.sizes[c.i%len(c.sizes)])
	c.i++
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func readAll(t testing.TB, e *edit, src io.Reader) (string, error) {
	t.Helper()
	ed := newEditor(io.NopCloser(src), e)
	b, err := io.ReadAll(ed)
	return string(b), err
}

func TestMaxMatchLen(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    int
	}{
		{"foo", 3},
		{"", 0},
		{"^foo$", 3},
		{`\bfoo\b`, 3},
		{"(?i)k", 3},
		{"(?i)hello", 5},
		{"(?i)ks", 5}, // K, ſ
		{"é", 2},
		{"[a-z]", 1},
		{"[^a]", 4},
		{".", 4},
		{"a|bcd", 3},
		{"ab?c", 3},
		{"a{2,5}", 5},
		{"(ab){3}", 6},
		{"a*", unbounded},
		{"a+", unbounded},
		{"a{2,}", unbounded},
		{"x(?:)*", 1},
		{`\d{1,3}\.\d{1,3}`, 7},
		{"(", unbounded}, // not a pattern: no bound claimed
	} {
		if got := maxMatchLen(tc.pattern); got != tc.want {
			t.Errorf("maxMatchLen(%q) = %d, want %d", tc.pattern, got, tc.want)
		}
	}
}

// TestEditorAcrossReads edits bodies read in pieces of every size from 1
// to 7 bytes and in irregular ones: the result is the one-piece edit.
func TestEditorAcrossReads(t *testing.T) {
	bodies := []string{
		"",
		"foo",
		"xxfooxxfoo",
		"foofoofoo",
		"foo foo\nfoofoo foo\n",
		"barbazqux",
		"foobar123bazqux 4 56",
		"ab abc abcd a\nabcab",
		"é foo éé föö",
		strings.Repeat("fo", 100) + "foo" + strings.Repeat("o", 50),
	}
	patterns := []string{
		"foo", "o", "fo+", "[0-9]+", `\bfoo\b`, "^foo", "(?m)^foo", "foo$", "(?m)foo$",
		"a(bc)?", "ab|abcd", "(?i)FOO", "ö", "[a-z]{2,3}", "x", `\s`, "[0-9]*",
	}
	sizes := [][]int{{1}, {2}, {3}, {4}, {5}, {7}, {1, 5, 2, 9}, {64}}
	for _, pattern := range patterns {
		for _, body := range bodies {
			want := reference(regexp.MustCompile(pattern), "<>", body)
			for _, s := range sizes {
				got, err := readAll(t, newEdit(t, pattern, "<>", "", 0, false), &chunked{b: []byte(body), sizes: s})
				if err != nil || got != want {
					t.Errorf("sed(%q) on %q in reads of %v: got %q, %v; want %q", pattern, body, s, got, err, want)
				}
			}
		}
	}
}

// TestEditorRandom compares random bodies read in random pieces with the
// one-piece edit, for patterns of bounded length (exact by construction)
// and unbounded ones whose matches cannot grow past a non-matching byte.
func TestEditorRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"f", "o", " ", "a", "b", "\n", "1", "é", "€", "😀", "\xff", "\xe2"}
	patterns := []string{"foo", "fo", "^fo", "fo(o|a)", "foo*", `\bfo\b`, "(?m)^o", "o$", "ab|a", "[0-9]", "o+", "1+", "(?s)f.o", "[^ ]{3}",
		"\uFFFD", ".", "é|€", "[^a-z]{2}", `\B.`, "(?i)FO"}
	for range 5000 {
		var b []byte
		for range rng.IntN(80) {
			b = append(b, alphabet[rng.IntN(len(alphabet))]...)
		}
		pattern := patterns[rng.IntN(len(patterns))]
		sizes := []int{1 + rng.IntN(6), 1 + rng.IntN(6), 1 + rng.IntN(20)}
		want := reference(regexp.MustCompile(pattern), "_", string(b))
		got, err := readAll(t, newEdit(t, pattern, "_", "", 0, false), &chunked{b: b, sizes: sizes})
		if err != nil || got != want {
			t.Fatalf("sed(%q) on %q in reads of %v: got %q, %v; want %q", pattern, b, sizes, got, err, want)
		}
	}
}

func TestEditorDelimited(t *testing.T) {
	for _, tc := range []struct {
		pattern, delim, body, want string
	}{
		{"^foo", "\n", "foofoo\nfoo\nbar foo", "Xfoo\nX\nbar foo"},
		{"foo$", "\n", "foo\nfoo foo", "foo\nfoo X"},
		{"o\n", "\n", "foo\nbar\n", "foXbar\n"},
		{"(?s).*", "\n", "foobar\nbazqux", "XX"},
		{"foo", "--", "foo--xfoo-o-fo-o--", "X--xX-o-fo-o--"},
		{"o-f", "--", "foo--xfoo-o-fo-o--", "foo--xfoo-Xo-o--"},
	} {
		for _, s := range [][]int{{1}, {2}, {3}, {100}} {
			got, err := readAll(t, newEdit(t, tc.pattern, "X", tc.delim, 0, false), &chunked{b: []byte(tc.body), sizes: s})
			if err != nil || got != tc.want {
				t.Errorf("sedDelim(%q, %q) on %q in reads of %v: got %q, %v; want %q", tc.pattern, tc.delim, tc.body, s, got, err, tc.want)
			}
		}
	}
}

// TestEditorLargeBody edits a body far larger than the editor's buffer:
// with a pattern of bounded length the editor holds a few bytes only, so
// nothing overflows, even with "abort".
func TestEditorLargeBody(t *testing.T) {
	var body strings.Builder
	for i := range 20000 {
		body.WriteString("line ")
		if i%7 == 0 {
			body.WriteString("foo")
		}
		body.WriteString(" end\n")
	}
	want := strings.ReplaceAll(body.String(), "foo", "barbaz")
	for _, tc := range []struct {
		pattern, delim string
	}{{"foo", ""}, {"f[o]{2}", ""}, {"foo", "\n"}, {"fo+", "\n"}} {
		for _, s := range [][]int{{1 << 20}, {4096, 1, 333}} {
			got, err := readAll(t, newEdit(t, tc.pattern, "barbaz", tc.delim, 100, true), &chunked{b: []byte(body.String()), sizes: s})
			if err != nil || got != want {
				t.Errorf("%q/%q in reads of %v: err %v, equal %v (len %d, want %d)", tc.pattern, tc.delim, s, err, got == want, len(got), len(want))
			}
		}
	}
}

// TestEditorMaxBuffer: skipper's long-stream cases, 32 KiB of "f" edited
// with f* and a buffer of twice or half that.
func TestEditorMaxBuffer(t *testing.T) {
	body := strings.Repeat("f", 1<<15)
	for _, tc := range []struct {
		name   string
		delim  string
		maxBuf int
		abort  bool
		want   string
		err    error
	}{
		{"below max buffer", "", 1 << 16, false, "qux", nil},
		{"above, best effort", "", 1 << 14, false, "quxqux", nil},
		{"above, abort", "", 1 << 14, true, "", ErrEditorBufferFull},
		{"delimited below", "\n", 1 << 16, false, "qux", nil},
		{"delimited above, best effort", "\n", 1 << 14, false, "quxqux", nil},
		{"delimited above, abort", "\n", 1 << 14, true, "", ErrEditorBufferFull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, newEdit(t, "f*", "qux", tc.delim, tc.maxBuf, tc.abort), strings.NewReader(body))
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}

	// skipper's editor tests with a 3-byte buffer
	for _, tc := range []struct{ pattern, want string }{
		{"[a-z]+", "xxx"}, // each full buffer edited as a piece
		{"[a-z]+x", "foobarbaz"},
	} {
		got, err := readAll(t, newEdit(t, tc.pattern, "x", "", 3, false), iotest.OneByteReader(strings.NewReader("foobarbaz")))
		if err != nil || got != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.pattern, got, err, tc.want)
		}
	}
}

// TestEditorTinyBuffer: buffers of a few bytes work; a one-byte pattern
// still gives the one-piece result.
func TestEditorTinyBuffer(t *testing.T) {
	body := "foo bar 123 foo\nfoofoo 4"
	for maxBuf := 1; maxBuf <= 5; maxBuf++ {
		for _, delim := range []string{"", "\n"} {
			for _, pattern := range []string{"o", "[0-9]", "foo", "o+", ".*"} {
				for _, s := range [][]int{{1}, {3}, {100}} {
					got, err := readAll(t, newEdit(t, pattern, "_", delim, maxBuf, false), &chunked{b: []byte(body), sizes: s})
					if err != nil {
						t.Fatal(err)
					}
					if want := reference(regexp.MustCompile(pattern), "_", body); len(pattern) == 1 || pattern == "[0-9]" {
						if got != want {
							t.Errorf("%q, buffer %d, %q, reads of %v: got %q, want %q", pattern, maxBuf, delim, s, got, want)
						}
					}
				}
				_, err := readAll(t, newEdit(t, pattern, "_", delim, maxBuf, true), strings.NewReader(body))
				if pattern == "foo" && err != ErrEditorBufferFull && maxBuf < 3 {
					t.Errorf("%q, buffer %d, %q, abort: %v", pattern, maxBuf, delim, err)
				}
			}
		}
	}
}

// TestEditorStreams: edited bytes are returned while the source is still
// open; only what a later byte could change is held.
func TestEditorStreams(t *testing.T) {
	for _, tc := range []struct {
		pattern, delim, in, out string
	}{
		{"foo", "", "hello foo world", "hello bar world"}, // no end of it could begin foo
		{"[fg]oo", "", "hello foo world", "hello bar wo"}, // no literal prefix: 3 bytes held
		{"foo", "\n", "hello foo\nworld", "hello bar\n"},  // the open line is held
		{"[0-9]+", "", "a 12 b 34", "a bar b "},           // skipper's rule: a match at the end may grow
		{"x[0-9]+", "", "a x12 b 34 c", "a bar b 34 c"},   // no x: no match can start
		{"x[0-9]+", "", "a b 34 c x1", "a b 34 c "},       // a match at the end may grow
		{"(?s)x.*y", "", "before x middle", "before "},
		{"foo", "", "a foo b f", "a bar b "},                                           // f could begin foo
		{"foo", "", "a foo b fo", "a bar b "},                                          // fo too
		{"foo", "", "a foo b fx", "a bar b fx"},                                        // held from the prefix on
		{`\d+`, "", "abc 1", "abc "},                                                   // a match at the end may grow
		{`\d+`, "", "abc", ""},                                                         // unbounded, no prefix: nothing decided
		{"o", "", "foo", "fbar"},                                                       // one byte held for \b or $
		{"(?i)hello", "", "say HELLO to Hello there, hello", "say bar to bar there, "}, // 5 bytes held
	} {
		pr, pw := io.Pipe()
		ed := newEditor(pr, newEdit(t, tc.pattern, "bar", tc.delim, 0, false))
		chunks := make(chan []byte)
		go func() {
			defer close(chunks)
			for {
				buf := make([]byte, 100)
				n, err := ed.Read(buf)
				if n > 0 {
					chunks <- buf[:n]
				}
				if err != nil {
					return
				}
			}
		}()
		if _, err := pw.Write([]byte(tc.in)); err != nil {
			t.Fatal(err)
		}
		var got []byte
	early:
		for {
			select {
			case c := <-chunks:
				got = append(got, c...)
			case <-time.After(50 * time.Millisecond):
				break early
			}
		}
		if string(got) != tc.out {
			t.Errorf("%q on %q: got %q before the end, want %q", tc.pattern, tc.in, got, tc.out)
		}
		pw.Close()
		for c := range chunks {
			got = append(got, c...)
		}
		re := regexp.MustCompile(tc.pattern)
		if want := reference(re, "bar", tc.in); tc.delim == "" && string(got) != want {
			t.Errorf("%q on %q: whole body %q, want %q", tc.pattern, tc.in, got, want)
		}
	}
}

func TestEditorErrors(t *testing.T) {
	boom := errors.New("boom")
	// the data before the failure is edited and passed on, then the error
	got, err := readAll(t, newEdit(t, "foo", "bar", "", 0, false),
		io.MultiReader(strings.NewReader("a foo b fo"), iotest.ErrReader(boom)))
	if got != "a bar b fo" || err != boom {
		t.Errorf("got %q, %v", got, err)
	}

	src := &closeRecorder{Reader: strings.NewReader("foofoo")}
	ed := newEditor(src, newEdit(t, "foo", "bar", "", 0, false))
	if _, err := ed.Read(make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	if err := ed.Close(); err != nil || !src.closed {
		t.Fatalf("Close: %v, source closed %v", err, src.closed)
	}
	if n, err := ed.Read(make([]byte, 2)); n != 0 || err != ErrClosed {
		t.Errorf("read after Close: %d, %v", n, err)
	}

	// a zero-length read neither blocks nor loses anything
	ed = newEditor(io.NopCloser(strings.NewReader("foo")), newEdit(t, "foo", "bar", "", 0, false))
	if n, err := ed.Read(nil); n != 0 || err != nil {
		t.Errorf("empty read: %d, %v", n, err)
	}
	if b, err := io.ReadAll(ed); string(b) != "bar" || err != nil {
		t.Errorf("after empty read: %q, %v", b, err)
	}
}

func TestEditorSmallCallerBuffer(t *testing.T) {
	ed := newEditor(io.NopCloser(strings.NewReader("a foo b foo c")), newEdit(t, "foo", "barbaz", "", 0, false))
	got, err := io.ReadAll(iotest.OneByteReader(ed))
	if err != nil || string(got) != "a barbaz b barbaz c" {
		t.Errorf("got %q, %v", got, err)
	}
}

func BenchmarkEditor(b *testing.B) {
	body := bytes.Repeat([]byte("lorem ipsum dolor sit amet, foo consectetur adipiscing elit\n"), 1<<14)
	for _, tc := range []struct{ name, pattern, delim string }{
		{"literal", "foo", ""},
		{"class", "[0-9]+x", ""},
		{"delimited", "foo", "\n"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEdit(b, tc.pattern, "bar", tc.delim, 0, false)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				ed := newEditor(io.NopCloser(bytes.NewReader(body)), e)
				if _, err := io.Copy(io.Discard, ed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
