package inline

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/skiff-proxy/skiff/dataclients"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestClient(t *testing.T) {
	c, err := New(`a: * -> <shunt>; b: Path("/b") -> <shunt>`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan dataclients.Update)
	done := make(chan error)
	go func() { done <- c.Run(ctx, out) }()
	u := <-out
	if !u.Reset || len(u.Upserts) != 2 || u.Upserts[0].Id != "a" || u.Upserts[1].Id != "b" {
		t.Errorf("first update %+v", u)
	}
	select {
	case <-done:
		t.Fatal("returned before cancel")
	case <-time.After(10 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestSyntaxErrorHasPosition(t *testing.T) {
	_, err := New("a: * -> <shunt>;\nb: Path( -> <shunt>")
	if err == nil || !strings.HasPrefix(err.Error(), "inline-routes:2:") {
		t.Errorf("error %v, want one positioned at inline-routes:2:", err)
	}
}
