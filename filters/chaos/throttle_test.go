package chaos

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func durations(d ...time.Duration) []time.Duration { return d }

// TestResponseThrottle runs latency, bandwidth and chunks on a response of
// known length with the fake clock: the waits are exact.
func TestResponseThrottle(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []any
		body  int
		waits []time.Duration
		reads []int
		label string
	}{
		{name: "latency", args: []any{120.0}, body: 2000, waits: durations(ms(120)), reads: []int{2000}},
		{name: "latency", args: []any{0.0}, body: 2000, reads: []int{2000}, label: "zero"},
		// 1 KiB/s: 500ms for the first 512 bytes before the header, then
		// 500ms for each further 512
		{name: "bandwidth", args: []any{1.0}, body: 2048, waits: durations(ms(500), ms(500), ms(500), ms(500)), reads: []int{512, 512, 512, 512}},
		{name: "bandwidth", args: []any{2.0}, body: 1100, waits: durations(ms(250), ms(250), ms(76/2.048)), reads: []int{512, 512, 76}},
		// one pause before the first chunk, one between chunks, none
		// before the end
		{name: "chunks", args: []any{1000.0, "1s"}, body: 2500, waits: durations(time.Second, time.Second, time.Second), reads: []int{1000, 1000, 500}},
		{name: "chunks", args: []any{1000.0, "1s"}, body: 2000, waits: durations(time.Second, time.Second), reads: []int{1000, 1000}},
		{name: "chunks", args: []any{1000.0, "0"}, body: 2000, reads: []int{1000, 1000}},
		{name: "chunks", args: []any{4096.0, 120.0}, body: 2000, waits: durations(ms(120)), reads: []int{2000}},
	} {
		t.Run(tc.name+tc.label, func(t *testing.T) {
			clk := newFakeClock()
			f := filtertest.Create(t, fakeSpec(t, tc.name, clk, nil), tc.args...)
			ctx, _ := newCtx(t, "GET", "")
			f.Request(ctx)
			if len(clk.waits()) != 0 || ctx.Served() {
				t.Fatalf("request phase waited %v", clk.waits())
			}
			body := strings.Repeat("x", tc.body)
			ctx.FResponse = response(body)
			orig := ctx.FResponse.Body
			f.Response(ctx)
			rsp := ctx.FResponse
			if tc.name == "latency" {
				if rsp.Body != orig || rsp.ContentLength != int64(tc.body) {
					t.Errorf("latency changed the body")
				}
			} else if rsp.ContentLength != -1 || rsp.Header.Get("Content-Length") != strconv.Itoa(tc.body) {
				t.Errorf("ContentLength %d, Content-Length %q", rsp.ContentLength, rsp.Header.Get("Content-Length"))
			}
			reads, got := readSizes(t, rsp.Body)
			if got != body {
				t.Errorf("body changed: %d bytes", len(got))
			}
			if !equal(reads, tc.reads) {
				t.Errorf("reads %v, want %v", reads, tc.reads)
			}
			if w := clk.waits(); !equal(w, tc.waits) {
				t.Errorf("waits %v, want %v", w, tc.waits)
			}
			if err := rsp.Body.Close(); err != nil {
				t.Error(err)
			}
			ctx.End()
		})
	}
}

// TestBackendThrottle: the backend… filters wait in the request phase and
// pace the request body; the response is left alone.
func TestBackendThrottle(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []any
		method string
		body   int
		waits  []time.Duration
		reads  []int
	}{
		{name: "backendLatency", args: []any{"200ms"}, method: "POST", body: 1000, waits: durations(ms(200)), reads: []int{1000}},
		{name: "backendBandwidth", args: []any{1.0}, method: "POST", body: 1024, waits: durations(ms(500), ms(500)), reads: []int{512, 512}},
		{name: "backendBandwidth", args: []any{1.0}, method: "GET", waits: durations(ms(500))},
		{name: "backendChunks", args: []any{300.0, "50ms"}, method: "PUT", body: 700, waits: durations(ms(50), ms(50), ms(50)), reads: []int{300, 300, 100}},
		{name: "backendChunks", args: []any{300.0, "50ms"}, method: "GET", waits: durations(ms(50))},
	} {
		t.Run(tc.name+" "+tc.method, func(t *testing.T) {
			clk := newFakeClock()
			f := filtertest.Create(t, fakeSpec(t, tc.name, clk, nil), tc.args...)
			body := strings.Repeat("y", tc.body)
			ctx, _ := newCtx(t, tc.method, body)
			orig := ctx.FRequest.Body
			f.Request(ctx)
			req := ctx.FRequest
			if req.ContentLength != int64(tc.body) {
				t.Errorf("ContentLength %d", req.ContentLength)
			}
			if tc.body == 0 && req.Body != orig {
				t.Errorf("empty body replaced")
			}
			if tc.name == "backendLatency" && req.Body != orig {
				t.Errorf("backendLatency replaced the body")
			}
			reads, got := readSizes(t, req.Body)
			if got != body || !equal(reads, tc.reads) {
				t.Errorf("reads %v (%d bytes), want %v", reads, len(got), tc.reads)
			}
			if w := clk.waits(); !equal(w, tc.waits) {
				t.Errorf("waits %v, want %v", w, tc.waits)
			}
			ctx.FResponse = response("rsp")
			f.Response(ctx)
			if len(clk.waits()) != len(tc.waits) || ctx.FResponse.ContentLength != 3 {
				t.Errorf("response phase acted: waits %v", clk.waits())
			}
			ctx.End()
		})
	}
}

// stallReader returns its bytes n at a time; before the read with index
// stallAt the clock jumps by stall, as when the backend pauses.
type stallReader struct {
	r       io.Reader
	clk     *fakeClock
	n       int
	reads   int
	stallAt int
	stall   time.Duration
}

func (s *stallReader) Read(p []byte) (int, error) {
	if s.reads == s.stallAt {
		s.clk.advance(s.stall)
	}
	s.reads++
	if len(p) > s.n {
		p = p[:s.n]
	}
	return s.r.Read(p)
}

// TestBandwidthAfterStall: a source that pauses does not earn a burst
// larger than one read afterwards; chunks count their pause from the end
// of the previous chunk, so a slow source shortens the wait.
func TestThrottleAfterStall(t *testing.T) {
	clk := newFakeClock()
	f := filtertest.Create(t, fakeSpec(t, "bandwidth", clk, nil), 1.0)
	ctx, _ := newCtx(t, "GET", "")
	ctx.FResponse = response("")
	ctx.FResponse.Body = io.NopCloser(&stallReader{r: strings.NewReader(strings.Repeat("z", 2048)), clk: clk, n: 512, stallAt: 1, stall: 10 * time.Second})
	f.Response(ctx)
	reads, _ := readSizes(t, ctx.FResponse.Body)
	// initial 500ms; read 1 is paid; 10s stall: read 2 goes at once (one
	// read's credit), reads 3 and 4 wait 500ms each
	if w := clk.waits(); !equal(w, durations(ms(500), ms(500), ms(500))) || !equal(reads, []int{512, 512, 512, 512}) {
		t.Errorf("bandwidth after a stall: waits %v reads %v", w, reads)
	}

	clk = newFakeClock()
	f = filtertest.Create(t, fakeSpec(t, "chunks", clk, nil), 100.0, "1s")
	ctx, _ = newCtx(t, "GET", "")
	ctx.FResponse = response("")
	ctx.FResponse.Body = io.NopCloser(&stallReader{r: strings.NewReader(strings.Repeat("z", 300)), clk: clk, n: 100, stallAt: 1, stall: 400 * time.Millisecond})
	f.Response(ctx)
	readSizes(t, ctx.FResponse.Body)
	if w := clk.waits(); !equal(w, durations(time.Second, ms(600), time.Second)) {
		t.Errorf("chunks after a stall: waits %v", w)
	}
}

func TestThrottleNoResponse(t *testing.T) {
	for name, args := range map[string][]any{"latency": {1.0}, "bandwidth": {1.0}, "chunks": {1.0, 1.0}} {
		f := filtertest.Create(t, fakeSpec(t, name, newFakeClock(), nil), args...)
		ctx, _ := newCtx(t, "GET", "")
		f.Response(ctx) // nil response: nothing, no panic
		ctx.FResponse = &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody}
		f.Response(ctx)
		if ctx.FResponse.Body != http.NoBody || ctx.FResponse.ContentLength != 0 {
			t.Errorf("%s wrapped an empty body", name)
		}
		ctx.FResponse = &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("abc")), ContentLength: 3}
		f.Response(ctx) // nil header
		if name != "latency" && ctx.FResponse.Header.Get("Content-Length") != "3" {
			t.Errorf("%s: Content-Length %q", name, ctx.FResponse.Header.Get("Content-Length"))
		}
	}
}

// TestThrottleClientGone: with the real clock, every wait ends when the
// request's context is done or the body is closed.
func TestThrottleClientGone(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []any
	}{
		{"latency", []any{"10s"}},
		{"bandwidth", []any{0.001}},
		{"chunks", []any{1.0, "10s"}},
		{"uniformResponseLatency", []any{"10s", "1s"}},
		{"normalResponseLatency", []any{"10s", "1ms"}},
		{"histogramResponseLatency", []any{"10s", 1.0, "11s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, spec(t, tc.name), tc.args...)
			ctx, cancel := newCtx(t, "GET", "")
			ctx.FResponse = response("abc")
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			f.Response(ctx)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Response returned after %v", d)
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []any
	}{
		{"backendLatency", []any{"10s"}},
		{"backendBandwidth", []any{0.001}},
		{"backendChunks", []any{1.0, "10s"}},
		{"uniformRequestLatency", []any{"10s", "1s"}},
		{"normalRequestLatency", []any{"10s", "1ms"}},
		{"histogramRequestLatency", []any{"10s", 1.0, "11s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, spec(t, tc.name), tc.args...)
			ctx, cancel := newCtx(t, "POST", "abc")
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			f.Request(ctx)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Request returned after %v", d)
			}
		})
	}
}

// TestThrottledBodyEnds: a read waiting for its bytes' time returns when
// the client goes away or when the body is closed (the transport closes a
// request body it no longer needs while another goroutine reads it).
func TestThrottledBodyEnds(t *testing.T) {
	for _, how := range []string{"cancel", "close"} {
		t.Run(how, func(t *testing.T) {
			f := filtertest.Create(t, spec(t, "chunks"), 1.0, "0")
			ctx, cancel := newCtx(t, "GET", "")
			ctx.FResponse = response("abc")
			f.Response(ctx)
			// 0 initial delay; now make the pause between chunks long
			body := ctx.FResponse.Body.(*throttledBody)
			body.f = &throttle{env: body.f.env, kind: chunksKind, chunk: 1, delay: time.Hour}
			buf := make([]byte, 10)
			if n, err := body.Read(buf); n != 1 || err != nil {
				t.Fatalf("first read: %d %v", n, err)
			}
			done := make(chan error)
			go func() {
				_, err := body.Read(buf)
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
					t.Errorf("read error %v, want %v", err, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("read did not end")
			}
			if _, err := body.Read(buf); !errors.Is(err, want) {
				t.Errorf("later read: %v", err)
			}
			body.Close()
		})
	}
}
