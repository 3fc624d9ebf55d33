package applog

import (
	"bytes"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(&buf, "warn")
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hidden")
	l.Warn("shown")
	out := buf.String()
	if strings.Contains(out, "hidden") || !strings.HasPrefix(out, "[APP]") || !strings.Contains(out, "shown") {
		t.Errorf("output %q", out)
	}
	if _, err := New(&buf, "loud"); err == nil {
		t.Error("an unknown level was accepted")
	}
}

func TestServerLogIsDebug(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(&buf, "info")
	if err != nil {
		t.Fatal(err)
	}
	ServerLog(l).Print("http: TLS handshake error\n")
	if buf.Len() != 0 {
		t.Errorf("logged at info: %q", buf.String())
	}
	l, _ = New(&buf, "debug")
	ServerLog(l).Print("http: TLS handshake error\n")
	if out := buf.String(); !strings.Contains(out, `msg="http: TLS handshake error"`) {
		t.Errorf("debug output %q", out)
	}
}
