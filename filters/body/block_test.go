package body

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// blockBody runs the filter's request phase on body, read in pieces of the
// given sizes, and reads what the backend would get.
func blockBody(t *testing.T, name string, args []any, body string, sizes ...int) (string, error) {
	t.Helper()
	f := filtertest.Create(t, spec(t, name), args...)
	req := httptest.NewRequest("POST", "/", nil)
	req.Body = io.NopCloser(&chunked{b: []byte(body), sizes: sizes})
	req.ContentLength = int64(len(body))
	ctx := filtertest.NewContext(req)
	f.Request(ctx)
	if req.ContentLength != int64(len(body)) {
		t.Errorf("length changed to %d", req.ContentLength)
	}
	b, err := io.ReadAll(req.Body)
	return string(b), err
}

func TestBlockContent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []any
		body    string
		blocked bool
	}{
		// skipper's examples
		{"blockContent", []any{"Malicious Content"}, "Hello World", false},
		{"blockContent", []any{"Malicious Content"}, "Some Malicious Content here", true},
		{"blockContentHex", []any{"000a"}, "a\x00\nb", true},
		{"blockContentHex", []any{"deadbeef", "000a"}, "x\xde\xad\xbe\xefy", true},
		{"blockContentHex", []any{"DEADBEEF"}, "x\xde\xad\xbe\xefy", true},
		{"blockContentHex", []any{"deadbeef", "000a"}, "\xde\xad\xbe\xee\x00\x0b", false},
		// several patterns, any one blocks
		{"blockContent", []any{"foo", "bar"}, "xxbarxx", true},
		{"blockContent", []any{"foo", "bar"}, "fo ba ar oo", false},
		{"blockContent", []any{"foo"}, "", false},
		{"blockContent", []any{"foo"}, "foo", true},
		{"blockContent", []any{"a much longer pattern", "x"}, "....x", true},
	} {
		for _, sizes := range [][]int{{1}, {2}, {3}, {5, 1, 7}, {1 << 20}} {
			got, err := blockBody(t, tc.name, tc.args, tc.body, sizes...)
			if tc.blocked {
				if !errors.Is(err, ErrBlocked) {
					t.Errorf("%s%q on %q in reads of %v: not blocked: %q, %v", tc.name, tc.args, tc.body, sizes, got, err)
				}
				// what went on holds no blocked string in full
				for _, a := range tc.args {
					if s := a.(string); s != "" && strings.Contains(got, s) {
						t.Errorf("%s%q: %q passed on", tc.name, tc.args, got)
					}
				}
			} else if err != nil || got != tc.body {
				t.Errorf("%s%q on %q in reads of %v: got %q, %v", tc.name, tc.args, tc.body, sizes, got, err)
			}
		}
	}
}

// TestBlockContentLargeBody: a blocked string far into a large body, split
// across reads, is found; the reader holds only the pattern's length.
func TestBlockContentLargeBody(t *testing.T) {
	body := strings.Repeat("harmless text ", 300_000) + "evil" + strings.Repeat(" more", 10)
	got, err := blockBody(t, "blockContent", []any{"evil"}, body, 4093, 1, 7)
	if !errors.Is(err, ErrBlocked) || !strings.HasPrefix(body, got) || len(got) < len(body)-5000 || strings.Contains(got, "evil") {
		t.Errorf("got %d bytes, %v", len(got), err)
	}
	got, err = blockBody(t, "blockContent", []any{"evil"}, strings.Repeat("good", 1<<20), 4093, 1, 7)
	if err != nil || len(got) != 4<<20 {
		t.Errorf("got %d bytes, %v", len(got), err)
	}
}

func TestBlockContentReader(t *testing.T) {
	f := filtertest.Create(t, spec(t, "blockContent"), "foo")
	// no body: nothing wrapped
	req := httptest.NewRequest("GET", "/", nil)
	f.Request(filtertest.NewContext(req))
	if req.Body != http.NoBody {
		t.Errorf("body %T", req.Body)
	}
	f.Response(filtertest.NewContext(req))

	// the source's error passes, after what was read before it
	boom := errors.New("boom")
	req = httptest.NewRequest("POST", "/", nil)
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader("abcfo"), iotest.ErrReader(boom)))
	f.Request(filtertest.NewContext(req))
	if b, err := io.ReadAll(req.Body); string(b) != "abcfo" || err != boom {
		t.Errorf("got %q, %v", b, err)
	}

	// Close closes the source, later reads fail
	src := &closeRecorder{Reader: strings.NewReader("abc")}
	req = httptest.NewRequest("POST", "/", nil)
	req.Body = src
	f.Request(filtertest.NewContext(req))
	if err := req.Body.Close(); err != nil || !src.closed {
		t.Fatalf("close: %v %v", err, src.closed)
	}
	if _, err := req.Body.Read(make([]byte, 3)); err != ErrClosed {
		t.Errorf("read after close: %v", err)
	}

	// a blocked body stays blocked
	req = httptest.NewRequest("POST", "/", strings.NewReader("xfoox"))
	f.Request(filtertest.NewContext(req))
	for range 2 {
		if _, err := req.Body.Read(make([]byte, 10)); err != ErrBlocked {
			t.Errorf("read: %v", err)
		}
	}
}

func TestBlockContentArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		bad    string
	}{
		{"blockContent", []any{"a"}, ""},
		{"blockContent", []any{"a", "b", "c"}, ""},
		{"blockContentHex", []any{"00", "0aFF"}, ""},
		{"blockContent", nil, "want at least 1 argument(s), got 0"},
		{"blockContent", []any{1.0}, "argument 1 (content to block) must be a string"},
		{"blockContent", []any{"a", ""}, "argument 2 (content to block) must not be empty"},
		{"blockContentHex", []any{"0"}, `argument 1 (content to block) "0" is not hexadecimal`},
		{"blockContentHex", []any{"zz"}, `argument 1 (content to block) "zz" is not hexadecimal`},
		{"blockContentHex", []any{"00", ""}, "argument 2 (content to block) must not be empty"},
	} {
		filtertest.CheckCreate(t, spec(t, tc.filter), tc.args, tc.bad)
	}
}

func BenchmarkBlockContent(b *testing.B) {
	body := strings.Repeat("lorem ipsum dolor sit amet ", 1<<15)
	f := filtertest.Create(b, spec(b, "blockContent"), "evil", "malicious content")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		f.Request(filtertest.NewContext(req))
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			b.Fatal(err)
		}
	}
}
