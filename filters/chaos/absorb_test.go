package chaos

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/filtertest"
	"github.com/skiff-proxy/skiff/filters/flowid"
)

// slowBody returns n bytes per read and moves the clock by step before
// each read.
type slowBody struct {
	left, n int
	clk     *fakeClock
	step    time.Duration
	err     error
}

func (b *slowBody) Read(p []byte) (int, error) {
	b.clk.advance(b.step)
	if b.left == 0 {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n := min(b.n, b.left, len(p))
	for i := range n {
		p[i] = 'a'
	}
	b.left -= n
	return n, nil
}

func (b *slowBody) Close() error { return nil }

func TestAbsorb(t *testing.T) {
	for _, tc := range []struct {
		name   string
		silent bool
		body   *slowBody // nil: a plain 100,000-byte body
		flowID string
		log    []string
	}{
		{
			name: "absorb", flowID: "foo-bar-baz",
			log: []string{
				"info: received request to be absorbed: foo-bar-baz",
				"info: request foo-bar-baz, consumed bytes: 100000",
				"info: request finished: foo-bar-baz",
			},
		},
		{
			// 1,000 bytes every 400ms: a progress line once a second
			name: "absorb", flowID: "slowflow", body: &slowBody{left: 8000, n: 1000, step: 400 * time.Millisecond},
			log: []string{
				"info: received request to be absorbed: slowflow",
				"info: request slowflow, consumed bytes: 3000", // at 1.2s
				"info: request slowflow, consumed bytes: 6000", // at 2.4s
				"info: request slowflow, consumed bytes: 8000",
				"info: request finished: slowflow",
			},
		},
		{
			name: "absorb", flowID: "broken", body: &slowBody{left: 10, n: 10, err: errors.New("connection reset")},
			log: []string{
				"info: received request to be absorbed: broken",
				"info: request broken, error while consuming request: connection reset",
				"info: request broken, consumed bytes: 10",
				"info: request finished: broken",
			},
		},
		{name: "absorbSilent", silent: true, flowID: "foo-bar-baz"},
		{
			name: "absorbSilent", silent: true, flowID: "broken", body: &slowBody{left: 10, n: 10, err: errors.New("connection reset")},
			log: []string{"info: request broken, error while consuming request: connection reset"},
		},
	} {
		clk := newFakeClock()
		f := filtertest.Create(t, fakeSpec(t, tc.name, clk, nil))
		ctx, _ := newCtx(t, "POST", strings.Repeat("b", 100000))
		ctx.FRequest.Header.Set("X-Flow-Id", tc.flowID)
		if tc.body != nil {
			tc.body.clk = clk
			ctx.FRequest.Body = tc.body
		}
		f.Request(ctx)
		rsp := ctx.FResponse
		if !ctx.Served() || rsp.StatusCode != 200 || rsp.Body != http.NoBody || len(rsp.Header) != 0 {
			t.Errorf("%s: served %v %+v", tc.name, ctx.Served(), rsp)
		}
		f.Response(ctx)
		if n, _ := ctx.FRequest.Body.Read(make([]byte, 1)); n != 0 {
			t.Errorf("%s: body not read to the end", tc.name)
		}
		if got := strings.Join(ctx.Log, "\n"); got != strings.Join(tc.log, "\n") {
			t.Errorf("%s %s: log\n%s\nwant\n%s", tc.name, tc.flowID, got, strings.Join(tc.log, "\n"))
		}
	}
}

// TestAbsorbFlowID: the id is the X-Flow-Id header, else the flowId
// filter's, else a new one; a request without body is answered too.
func TestAbsorbFlowID(t *testing.T) {
	f := filtertest.Create(t, spec(t, "absorb"))
	ctx, _ := newCtx(t, "GET", "")
	ctx.FStateBag[flowid.StateBagKey] = "from-the-bag"
	f.Request(ctx)
	if !ctx.Served() || ctx.Log[0] != "info: received request to be absorbed: from-the-bag" || ctx.Log[1] != "info: request from-the-bag, consumed bytes: 0" {
		t.Errorf("log %q", ctx.Log)
	}

	ctx, _ = newCtx(t, "GET", "")
	ctx.FRequest.Body = nil
	f.Request(ctx)
	var id string
	if _, err := fmt.Sscanf(ctx.Log[0], "info: received request to be absorbed: %s", &id); err != nil || !flowid.Valid(id) {
		t.Errorf("generated id %q: %v", id, err)
	}
}
