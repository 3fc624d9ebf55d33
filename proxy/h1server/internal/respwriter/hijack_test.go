package respwriter

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
)

func newTestWriter(t *testing.T, raw string) (*Writer, *bytes.Buffer, *testConn) {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	tb := &trackBody{rc: req.Body, req: req}
	req.Body = tb
	var out bytes.Buffer
	c := &testConn{body: tb, rwc: &bufConn{w: &out}}
	return New(bufio.NewWriterSize(&out, 4<<10), req, c), &out, c
}

func TestHijack(t *testing.T) {
	w, out, c := newTestWriter(t, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	w.Header().Set("X-A", "v")
	if _, err := w.Write([]byte("held back")); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Fatalf("written before Hijack: %q", out)
	}
	rwc, brw, err := w.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	if !c.hijacked || !w.Hijacked() {
		t.Fatal("not hijacked")
	}
	// As net/http: the head is flushed (chunked, the handler is not done;
	// not sniffed, it is written without the body),
	// the body still in the 2048-byte buffer is dropped.
	head := normDate(out.Bytes())
	const want = "HTTP/1.1 200 OK\r\nX-A: v\r\nDate: DATE\r\nTransfer-Encoding: chunked\r\n\r\n"
	if head != want {
		t.Fatalf("after Hijack:\n%q\nwant\n%q", head, want)
	}
	if n, err := w.Write([]byte("x")); n != 0 || !errors.Is(err, http.ErrHijacked) {
		t.Errorf("Write after Hijack = %d, %v", n, err)
	}
	if n, err := w.WriteString(""); n != 0 || !errors.Is(err, http.ErrHijacked) {
		t.Errorf("WriteString after Hijack = %d, %v", n, err)
	}
	if err := w.FlushError(); !errors.Is(err, http.ErrHijacked) {
		t.Errorf("FlushError after Hijack = %v", err)
	}
	if _, _, err := w.Hijack(); !errors.Is(err, http.ErrHijacked) {
		t.Errorf("second Hijack = %v", err)
	}
	w.WriteHeader(500) // ignored
	_, _ = brw.WriteString("raw")
	_ = brw.Flush()
	_ = rwc.Close()
	keep, err := w.Finish()
	if keep || err != nil {
		t.Errorf("Finish after Hijack = %v, %v", keep, err)
	}
	if got := normDate(out.Bytes()); got != want+"raw" {
		t.Errorf("connection got %q", got)
	}
	if w.Status() != 200 {
		t.Errorf("Status = %d", w.Status())
	}
}

func TestHijackBeforeHead(t *testing.T) {
	w, out, _ := newTestWriter(t, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	w.Header().Set("X-A", "v")
	if _, _, err := w.Hijack(); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("Hijack before the head wrote %q", out)
	}
	if keep, _ := w.Finish(); keep {
		t.Error("Finish after Hijack: keep-alive")
	}
}

type failingHijack struct{ testConn }

func (*failingHijack) Hijack() (rwc net.Conn, brw *bufio.ReadWriter, err error) {
	return nil, nil, errors.New("no")
}

func TestHijackFails(t *testing.T) {
	req, _ := http.ReadRequest(bufio.NewReader(strings.NewReader("GET / HTTP/1.1\r\nHost: x\r\n\r\n")))
	var out bytes.Buffer
	w := New(bufio.NewWriter(&out), req, &failingHijack{})
	if _, _, err := w.Hijack(); err == nil {
		t.Fatal("Hijack did not fail")
	}
	if w.Hijacked() {
		t.Fatal("Hijacked after a failed Hijack")
	}
	if _, err := w.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	keep, err := w.Finish()
	if !keep || err != nil {
		t.Fatalf("Finish = %v, %v", keep, err)
	}
	if got := normDate(out.Bytes()); !strings.HasSuffix(got, "Content-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi") {
		t.Errorf("got %q", got)
	}
}

func TestHijackAfterFinishPanics(t *testing.T) {
	w, _, _ := newTestWriter(t, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	_, _, _ = w.Hijack()
}
