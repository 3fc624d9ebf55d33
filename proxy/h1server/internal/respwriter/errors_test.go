package respwriter

import (
	"bufio"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

var errConn = errors.New("connection broken")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	n := f.n
	f.n = 0
	return n, errConn
}

func TestWriteError(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int
	}{
		{"head", 0},
		{"body", 4096 + 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.ReadRequest(bufio.NewReader(strings.NewReader("GET / HTTP/1.1\r\nHost: x\r\n\r\n")))
			w := New(bufio.NewWriterSize(&failAfter{tc.limit}, 4<<10), req, benchConn{})
			var err error
			for i := 0; i < 10 && err == nil; i++ {
				_, err = w.Write(make([]byte, 3000))
				if err == nil {
					err = w.FlushError()
				}
			}
			if !errors.Is(err, errConn) {
				t.Fatalf("writes returned %v", err)
			}
			// A small write only fills the 2048-byte buffer, as net/http's;
			// one that goes on to the connection's buffer meets the error.
			if _, err := w.Write([]byte("x")); err != nil {
				t.Errorf("small Write after the error: %v", err)
			}
			if _, err := w.Write(make([]byte, 3000)); !errors.Is(err, errConn) {
				t.Errorf("Write after the error: %v", err)
			}
			keep, err := w.Finish()
			if keep || !errors.Is(err, errConn) {
				t.Errorf("Finish = %v, %v", keep, err)
			}
		})
	}
}

func TestInvalidCodePanics(t *testing.T) {
	for _, code := range []int{0, 99, 1000, -1} {
		req, _ := http.ReadRequest(bufio.NewReader(strings.NewReader("GET / HTTP/1.1\r\nHost: x\r\n\r\n")))
		w := New(bufio.NewWriter(&strings.Builder{}), req, benchConn{})
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "invalid WriteHeader code") {
					t.Errorf("WriteHeader(%d): recovered %v", code, r)
				}
			}()
			w.WriteHeader(code)
		}()
	}
	// After the status is fixed, WriteHeader is ignored before any check,
	// as net/http does.
	req, _ := http.ReadRequest(bufio.NewReader(strings.NewReader("GET / HTTP/1.1\r\nHost: x\r\n\r\n")))
	w := New(bufio.NewWriter(&strings.Builder{}), req, benchConn{})
	w.WriteHeader(204)
	w.WriteHeader(0)
	if w.Status() != 204 {
		t.Errorf("Status = %d", w.Status())
	}
}

func TestAfterFinish(t *testing.T) {
	req, _ := http.ReadRequest(bufio.NewReader(strings.NewReader("GET / HTTP/1.1\r\nHost: x\r\n\r\n")))
	var out strings.Builder
	w := New(bufio.NewWriter(&out), req, benchConn{})
	if keep, err := w.Finish(); !keep || err != nil {
		t.Fatal(keep, err)
	}
	n := out.Len()
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrFinished) {
		t.Errorf("Write: %v", err)
	}
	if err := w.FlushError(); !errors.Is(err, ErrFinished) {
		t.Errorf("FlushError: %v", err)
	}
	if _, err := w.ReadFrom(strings.NewReader("x")); !errors.Is(err, ErrFinished) {
		t.Errorf("ReadFrom: %v", err)
	}
	if keep, err := w.Finish(); keep || !errors.Is(err, ErrFinished) {
		t.Errorf("second Finish: %v %v", keep, err)
	}
	w.WriteHeader(500)
	if out.Len() != n {
		t.Errorf("wrote after Finish: %q", out.String()[n:])
	}
}
