package chaos

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/flowid"
)

// absorbInterval is how often absorb reports the bytes read so far while
// a body is being read.
const absorbInterval = time.Second

// absorbSpec makes absorb and absorbSilent: read the request body to its
// end, throw it away and answer 200 without calling the backend. absorb
// logs the request's flow id, its progress and the total; absorbSilent
// logs only a failed read.
type absorbSpec struct {
	env
	silent bool
}

func (s *absorbSpec) Name() string {
	if s.silent {
		return "absorbSilent"
	}
	return "absorb"
}

// CreateFilter ignores its arguments, as skipper does: a route written
// as absorb("x") loads in both.
func (s *absorbSpec) CreateFilter([]any) (filters.Filter, error) {
	return &absorb{env: s.env, silent: s.silent}, nil
}

type absorb struct {
	env
	silent bool
}

var absorbBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (f *absorb) Request(ctx filters.FilterContext) {
	req := ctx.Request()
	log := ctx.Logger()
	id := requestFlowID(ctx, req)
	if !f.silent {
		log.Infof("received request to be absorbed: %s", id)
	}
	var n int64
	var err error
	if req.Body != nil && req.Body != http.NoBody {
		n, err = f.drain(req, log, id)
	}
	if err != nil {
		log.Infof("request %s, error while consuming request: %v", id, err)
	}
	if !f.silent {
		log.Infof("request %s, consumed bytes: %d", id, n)
		log.Infof("request finished: %s", id)
	}
	ctx.Serve(&http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody})
}

func (*absorb) Response(filters.FilterContext) {}

// drain reads the body to its end or until the client goes away, and
// (unless silent) logs the count every absorbInterval.
func (f *absorb) drain(req *http.Request, log filters.Logger, id string) (int64, error) {
	bp := absorbBuffers.Get().(*[]byte)
	defer absorbBuffers.Put(bp)
	buf := *bp
	rctx := req.Context()
	var n int64
	next := f.clock.now().Add(absorbInterval)
	for {
		m, err := req.Body.Read(buf)
		n += int64(m)
		if !f.silent && m > 0 {
			if now := f.clock.now(); !now.Before(next) {
				log.Infof("request %s, consumed bytes: %d", id, n)
				next = now.Add(absorbInterval)
			}
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := rctx.Err(); err != nil {
			return n, err
		}
	}
}

// requestFlowID is the id absorb logs: the request's X-Flow-Id, the one
// the flowId filter stored, or a new one.
func requestFlowID(ctx filters.FilterContext, req *http.Request) string {
	if id := req.Header.Get(flowid.HeaderName); id != "" {
		return id
	}
	if id, ok := ctx.StateBag()[flowid.StateBagKey].(string); ok && id != "" {
		return id
	}
	return flowid.New()
}
