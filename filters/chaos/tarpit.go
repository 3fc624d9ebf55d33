package chaos

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// tarpitSpec makes tarpit(interval): answer 200 at once, then send one
// space every interval for as long as the client stays, so the client's
// connection is kept busy without it learning why.
type tarpitSpec struct{ env }

func (*tarpitSpec) Name() string { return "tarpit" }

func (s *tarpitSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	d, err := a.Duration(0, "interval", false)
	if err != nil {
		return nil, err
	}
	if d <= 0 {
		// skipper accepts it and then sends spaces as fast as it can: a
		// flood, not a tarpit.
		return nil, a.Errorf("argument 1 (interval) must be above zero, got %v", a.At(0))
	}
	return &tarpit{env: s.env, interval: d}, nil
}

type tarpit struct {
	env
	interval time.Duration
}

func (f *tarpit) Request(ctx filters.FilterContext) {
	ctx.Serve(&http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{},
		// Unknown length: the proxy sends the header at once and flushes
		// every space.
		ContentLength: -1,
		Body:          &tarpitBody{env: f.env, ctx: ctx.Request().Context(), interval: f.interval, stop: make(chan struct{})},
	})
}

func (*tarpit) Response(filters.FilterContext) {}

// tarpitBody never ends: each Read waits an interval and returns a space,
// until the client goes away or the body is closed.
type tarpitBody struct {
	env
	ctx      context.Context
	interval time.Duration
	stop     chan struct{}
	once     sync.Once
}

func (b *tarpitBody) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !b.clock.sleep(b.ctx, b.stop, b.interval) {
		if err := b.ctx.Err(); err != nil {
			return 0, err
		}
		return 0, http.ErrBodyReadAfterClose
	}
	p[0] = ' '
	return 1, nil
}

func (b *tarpitBody) Close() error {
	b.once.Do(func() { close(b.stop) })
	return nil
}
