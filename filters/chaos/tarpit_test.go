package chaos

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// TestTarpit: the request is answered 200 at once with a body of unknown
// length that yields one space per interval and never ends.
func TestTarpit(t *testing.T) {
	clk := newFakeClock()
	f := filtertest.Create(t, fakeSpec(t, "tarpit", clk, nil), "1s")
	ctx, cancel := newCtx(t, "GET", "")
	f.Request(ctx)
	rsp := ctx.FResponse
	if !ctx.Served() || rsp.StatusCode != 200 || rsp.ContentLength != -1 || len(rsp.Header) != 0 {
		t.Fatalf("served %v: %+v", ctx.Served(), rsp)
	}
	f.Response(ctx)
	ctx.End()
	buf := make([]byte, 100)
	for i := range 5 {
		n, err := rsp.Body.Read(buf)
		if n != 1 || err != nil || buf[0] != ' ' {
			t.Fatalf("read %d: %d %v %q", i, n, err, buf[:n])
		}
	}
	if n, err := rsp.Body.Read(buf[:0]); n != 0 || err != nil {
		t.Errorf("empty read: %d %v", n, err)
	}
	if w := clk.waits(); !equal(w, durations(time.Second, time.Second, time.Second, time.Second, time.Second)) {
		t.Errorf("waits %v", w)
	}
	cancel()
	if _, err := rsp.Body.Read(buf); !errors.Is(err, context.Canceled) {
		t.Errorf("read after the client left: %v", err)
	}
}

// TestTarpitEnds: with the real clock a read in its wait returns when the
// client goes away or the proxy closes the body.
func TestTarpitEnds(t *testing.T) {
	for _, how := range []string{"cancel", "close"} {
		f := filtertest.Create(t, spec(t, "tarpit"), "1h")
		ctx, cancel := newCtx(t, "GET", "")
		f.Request(ctx)
		body := ctx.FResponse.Body
		done := make(chan error)
		go func() {
			_, err := body.Read(make([]byte, 1))
			done <- err
		}()
		time.Sleep(20 * time.Millisecond)
		want := context.Canceled
		if how == "cancel" {
			cancel()
		} else {
			body.Close()
			want = http.ErrBodyReadAfterClose
		}
		select {
		case err := <-done:
			if !errors.Is(err, want) {
				t.Errorf("%s: read error %v, want %v", how, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: read did not end", how)
		}
		if err := body.Close(); err != nil {
			t.Error(err)
		}
	}
}
