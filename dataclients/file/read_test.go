package file

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

func unsafeData(s string) *byte { return unsafe.StringData(s) }

// readChanged returns what os.ReadFile reads, and reports the same content
// without a copy: old itself.
func TestReadChanged(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 3*readChunk/16+5) // three chunks and a bit
	cut := func(s string, at int, with string) string { return s[:at] + with + s[at+1:] }
	for _, tc := range []struct {
		name  string
		old   string
		known bool
		file  string
		same  bool
	}{
		{"first read", "", false, "r: * -> <shunt>;", false},
		{"first read, empty", "", false, "", false},
		{"same, small", "r: * -> <shunt>;", true, "r: * -> <shunt>;", true},
		{"same, empty", "", true, "", true},
		{"same, several chunks", big, true, big, true},
		{"first byte", big, true, cut(big, 0, "X"), false},
		{"last byte of the first chunk", big, true, cut(big, readChunk-1, "X"), false},
		{"first byte of the second chunk", big, true, cut(big, readChunk, "X"), false},
		{"last byte", big, true, cut(big, len(big)-1, "X"), false},
		{"longer", big, true, big + "tail", false},
		{"longer by a chunk boundary", big[:readChunk], true, big, false},
		{"shorter", big, true, big[:len(big)-7], false},
		{"shorter at a chunk boundary", big, true, big[:2*readChunk], false},
		{"emptied", big, true, "", false},
		{"from empty", "", true, big, false},
		{"first read, several chunks", "", false, big, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.eskip")
			if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			old := strings.Clone(tc.old)
			text, same, err := readChanged(path, old, tc.known, DefaultMaxSize)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := os.ReadFile(path)
			if text != string(want) {
				t.Fatalf("read %d bytes, the file has %d", len(text), len(want))
			}
			if same != tc.same {
				t.Fatalf("same=%v, want %v", same, tc.same)
			}
			if same && len(old) > 0 && unsafeData(text) != unsafeData(old) {
				t.Error("same content returned as a copy")
			}
		})
	}
}

func TestReadChangedErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.eskip")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, known := range []bool{false, true} {
		if _, _, err := readChanged(path, strings.Repeat("x", 100), known, 99); !errors.Is(err, errTooLarge) || !strings.Contains(err.Error(), path) {
			t.Errorf("known=%v: over the limit: %v", known, err)
		}
		if _, _, err := readChanged(filepath.Join(dir, "missing"), "", known, 99); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("known=%v: missing: %v", known, err)
		}
	}
	if text, err := ReadFile(path, 100); err != nil || len(text) != 100 {
		t.Errorf("at the limit: %d bytes, %v", len(text), err)
	}
}
