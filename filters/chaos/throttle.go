package chaos

import (
	"context"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// throttleKind is what a throttle filter does to its body.
type throttleKind int

const (
	latencyKind   throttleKind = iota // wait once
	bandwidthKind                     // limit bytes per second
	chunksKind                        // pause after every chunk of bytes
)

const (
	// bandwidthUnit is skipper's kb: bandwidth(30) is 30 KiB per second.
	bandwidthUnit = 1024
	// bandwidthChunk is the amount skipper's bandwidth filter pays for
	// before the first byte: the response (or the backend request) starts
	// after the time it takes to send this many bytes.
	bandwidthChunk = 512
	// maxReadChunk bounds one read of a bandwidth-limited body at high
	// rates, where reads of bandwidthChunk bytes would each cost a flush.
	maxReadChunk = 64 << 10
)

// throttleSpec makes latency, bandwidth and chunks (response to the client)
// and their backend… twins (request body to the backend).
type throttleSpec struct {
	env
	name    string
	kind    throttleKind
	backend bool
}

func (s *throttleSpec) Name() string { return s.name }

func (s *throttleSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	f := &throttle{env: s.env, kind: s.kind, backend: s.backend}
	switch s.kind {
	case latencyKind:
		if err := a.Count(1, 1); err != nil {
			return nil, err
		}
		d, err := duration(a, 0, "latency")
		if err != nil {
			return nil, err
		}
		f.initial = d
	case bandwidthKind:
		if err := a.Count(1, 1); err != nil {
			return nil, err
		}
		kbps, err := positive(a, 0, "kb/s")
		if err != nil {
			return nil, err
		}
		f.rate = kbps * bandwidthUnit
		f.initial = bytesTime(bandwidthChunk, f.rate)
		f.chunk = int(math.Min(math.Max(f.rate/100, bandwidthChunk), maxReadChunk)) // 10ms worth
		f.burst = bytesTime(f.chunk, f.rate)
	case chunksKind:
		if err := a.Count(2, 2); err != nil {
			return nil, err
		}
		size, err := a.Number(0, "chunk size")
		if err != nil {
			return nil, err
		}
		if !(size >= 1) || size > math.MaxInt32 {
			return nil, a.Errorf("argument 1 (chunk size) must be a number of bytes from 1 to %d, got %v", math.MaxInt32, a.At(0))
		}
		if f.delay, err = duration(a, 1, "delay"); err != nil {
			return nil, err
		}
		f.chunk = int(size)
		f.initial = f.delay
	}
	return f, nil
}

// bytesTime is the time n bytes take at rate bytes per second.
func bytesTime(n int, rate float64) time.Duration {
	return durationOf(float64(n) / rate * float64(time.Second))
}

// throttle is one latency, bandwidth or chunks filter, for the response
// or, with backend, for the request to the backend.
type throttle struct {
	env
	kind    throttleKind
	backend bool
	// initial is waited in the filter method before the body is passed
	// on: the latency, the pause before the first chunk, or the time of
	// the first bandwidthChunk bytes (as skipper does).
	initial time.Duration
	chunk   int           // chunks: bytes per chunk; bandwidth: bytes per read
	delay   time.Duration // chunks: pause after each chunk
	rate    float64       // bandwidth: bytes per second
	burst   time.Duration // bandwidth: time of one read, the most a stall can save
}

func (f *throttle) Request(ctx filters.FilterContext) {
	if !f.backend {
		return
	}
	req := ctx.Request()
	rctx := req.Context()
	if !f.clock.sleep(rctx, nil, f.initial) || f.kind == latencyKind {
		return
	}
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = f.newBody(rctx, req.Body)
	}
}

func (f *throttle) Response(ctx filters.FilterContext) {
	if f.backend {
		return
	}
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	rctx := ctx.Request().Context()
	if !f.clock.sleep(rctx, nil, f.initial) || f.kind == latencyKind {
		return
	}
	if rsp.Body == nil || rsp.Body == http.NoBody {
		return
	}
	rsp.Body = f.newBody(rctx, rsp.Body)
	// The proxy flushes every write of a body of unknown length, so each
	// chunk reaches the client when it is released instead of waiting in
	// the server's buffers. The Content-Length field, kept or added, still
	// frames the response as before.
	if rsp.ContentLength >= 0 {
		if rsp.Header == nil {
			rsp.Header = http.Header{}
		}
		if _, ok := rsp.Header["Content-Length"]; !ok {
			rsp.Header["Content-Length"] = []string{strconv.FormatInt(rsp.ContentLength, 10)}
		}
		rsp.ContentLength = -1
	}
}

func (f *throttle) newBody(ctx context.Context, rc io.ReadCloser) *throttledBody {
	b := &throttledBody{rc: rc, ctx: ctx, f: f, stop: make(chan struct{}), left: f.chunk}
	if f.kind == bandwidthKind {
		// The initial wait paid for the first bandwidthChunk bytes.
		b.paid = f.clock.now().Add(-f.initial)
	}
	return b
}

// throttledBody releases the bytes of rc at the pace of its filter. Each
// Read reads first and then waits until its bytes are due, so the end of
// the body is never delayed by a pause that no byte follows.
type throttledBody struct {
	rc   io.ReadCloser
	ctx  context.Context
	f    *throttle
	stop chan struct{}
	once sync.Once
	cerr error
	err  error // set when a wait was cut short; every later Read returns it

	left int       // chunks: bytes left of the current chunk
	due  time.Time // chunks: when the next chunk may start
	paid time.Time // bandwidth: the time the bytes so far are worth
}

func (b *throttledBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	if n <= 0 {
		return n, err
	}
	clk := b.f.clock
	now := clk.now()
	var wait time.Duration
	switch b.f.kind {
	case bandwidthKind:
		if floor := now.Add(-b.f.burst); b.paid.Before(floor) {
			// A slow source does not earn a burst larger than one read.
			b.paid = floor
		}
		b.paid = b.paid.Add(bytesTime(n, b.f.rate))
		wait = b.paid.Sub(now)
	case chunksKind:
		if b.left == b.f.chunk && !b.due.IsZero() {
			wait = b.due.Sub(now) // the first bytes of a new chunk
		}
		if b.left -= n; b.left == 0 {
			b.left = b.f.chunk
			b.due = now.Add(max(wait, 0)).Add(b.f.delay)
		}
	}
	if !clk.sleep(b.ctx, b.stop, wait) {
		b.err = b.ctx.Err()
		if b.err == nil {
			b.err = http.ErrBodyReadAfterClose
		}
		return 0, b.err
	}
	return n, err
}

// Close ends a wait in progress (the transport closes a request body
// while another goroutine reads it) and closes the underlying body.
func (b *throttledBody) Close() error {
	b.once.Do(func() {
		close(b.stop)
		b.cerr = b.rc.Close()
	})
	return b.cerr
}
