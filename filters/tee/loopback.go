package tee

import (
	"context"
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// LoopbackName is teeLoopback's name in eskip.
const LoopbackName = "teeLoopback"

// LoopbackHeader is set on a teeLoopback copy to the filter's key, as
// skipper sets it, so that the backends of the copy's route can tell
// shadow traffic. The Tee predicate does not read it (a client could send
// it): it matches the mark LoopbackKey reads.
const LoopbackHeader = "X-Tee-Loopback-Key"

type loopbackKey struct{}

// WithLoopbackKey returns ctx marked as the context of the copy a
// teeLoopback(key) filter made.
func WithLoopbackKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, loopbackKey{}, key)
}

// LoopbackKey returns the key of the teeLoopback filter whose copy ctx
// belongs to; ok is false for every other request. The Tee predicate
// matches on it.
func LoopbackKey(ctx context.Context) (key string, ok bool) {
	key, ok = ctx.Value(loopbackKey{}).(string)
	return key, ok
}

// LoopbackSpec returns teeLoopback, whose copies s sends to the handler
// given to s.SetRouter.
func LoopbackSpec(s *Shadow) filters.Spec { return loopbackSpec{shadow: s} }

type loopbackSpec struct{ shadow *Shadow }

func (loopbackSpec) Name() string { return LoopbackName }

func (s loopbackSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(LoopbackName, args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	key, err := a.NonEmptyString(0, "tee key")
	if err != nil {
		return nil, err
	}
	return &loopbackFilter{shadow: s.shadow, key: key}, nil
}

type loopbackFilter struct {
	shadow *Shadow
	key    string
}

// Request copies the request as the filters before this one left it and
// routes the copy on a goroutine of the Shadow. A copy never copies
// again, whichever teeLoopback it meets: that is what keeps a route that
// matches its own copies from looping.
func (f *loopbackFilter) Request(ctx filters.FilterContext) {
	req := ctx.Request()
	if _, isCopy := LoopbackKey(req.Context()); isCopy || isUpgrade(req) {
		return
	}
	h := f.shadow.routerOf()
	if h == nil {
		f.shadow.dropped.Add(1)
		return
	}
	if !f.shadow.start() {
		return
	}
	sctx, cancel := context.WithTimeout(WithLoopbackKey(f.shadow.ctx, f.key), f.shadow.opts.Timeout)
	creq := req.Clone(sctx)
	if creq.Header == nil {
		creq.Header = http.Header{}
	}
	creq.Header.Set(LoopbackHeader, f.key)
	var p *pipe
	if req.Body != nil && req.Body != http.NoBody && req.ContentLength != 0 {
		p = newPipe(f.shadow.opts.BufferSize)
		req.Body = &teeBody{src: req.Body, p: p}
		creq.Body = p
		// The copy's route may wait for body bytes the main request never
		// reads: the end of the copy's time ends that wait.
		context.AfterFunc(sctx, func() { p.Close() })
	} else {
		creq.Body = http.NoBody
	}
	go f.shadow.run(cancel, p, func() { serveCopy(h, creq) })
}

func (*loopbackFilter) Response(filters.FilterContext) {}

// serveCopy routes r and throws the answer away.
func serveCopy(h http.Handler, r *http.Request) {
	// The proxy ends a response that broke off in the middle by panicking
	// with http.ErrAbortHandler, for net/http to cut the connection; a
	// copy has no connection, and its panics must not end the process.
	defer func() { _ = recover() }()
	h.ServeHTTP(&discardWriter{header: http.Header{}}, r)
}

// discardWriter is the response writer of a copy: it takes everything and
// keeps nothing.
type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Flush()                      {}
