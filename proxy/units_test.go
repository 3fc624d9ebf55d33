package proxy

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestWithPort(t *testing.T) {
	for _, tc := range []struct{ scheme, in, want string }{
		{"http", "a.example", "a.example:80"},
		{"https", "a.example", "a.example:443"},
		{"http", "a.example:8080", "a.example:8080"},
		{"http", "[::1]", "[::1]:80"},
		{"https", "[::1]:8443", "[::1]:8443"},
	} {
		if got := withPort(tc.scheme, tc.in); got != tc.want {
			t.Errorf("withPort(%s, %s) = %s, want %s", tc.scheme, tc.in, got, tc.want)
		}
	}
}

func TestTeeBody(t *testing.T) {
	src := io.NopCloser(strings.NewReader("hello world"))
	tb := newTeeBody(src)
	m := tb.mirror()
	main, _ := io.ReadAll(tb)
	shadow, err := io.ReadAll(m)
	if string(main) != "hello world" || string(shadow) != "hello world" || err != nil {
		t.Errorf("main %q, shadow %q, %v", main, shadow, err)
	}
	m.Close()
	if _, err := m.Read(make([]byte, 1)); err == nil {
		t.Error("read after close succeeded")
	}
}

func TestTeeBodyOverrun(t *testing.T) {
	big := strings.Repeat("x", maxTeeBacklog+1)
	tb := newTeeBody(io.NopCloser(strings.NewReader(big)))
	m := tb.mirror()
	n, err := io.Copy(io.Discard, tb)
	if err != nil || n != int64(len(big)) {
		t.Fatalf("main body: %d %v; it must never wait for the shadow", n, err)
	}
	if _, err := io.ReadAll(m); !errors.Is(err, errTeeOverrun) {
		t.Errorf("shadow err %v, want overrun", err)
	}
}

func TestTeeBodyClosedEarly(t *testing.T) {
	tb := newTeeBody(io.NopCloser(strings.NewReader("abc")))
	m := tb.mirror()
	tb.Read(make([]byte, 1))
	tb.Close()
	b, err := io.ReadAll(m)
	if string(b) != "a" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("shadow %q %v", b, err)
	}
}
