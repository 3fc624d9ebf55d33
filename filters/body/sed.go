package body

import (
	"math"
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// sedSpec makes sed, sedDelim, sedRequest and sedRequestDelim.
type sedSpec struct {
	name      string
	delimited bool
	request   bool
}

func (s *sedSpec) Name() string { return s.name }

// CreateFilter takes (pattern, replacement[, delimiter][, maxBuf[,
// "abort"|"best-effort"]]) as skipper does: the delimiter only for the
// Delim variants; maxBuf a number of bytes, 0 or less meaning the default
// 2 MiB; the replacement literal ($1 is not expanded).
func (s *sedSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	first := 2 // index of maxBuf
	if s.delimited {
		first = 3
	}
	if err := a.Count(first, first+2); err != nil {
		return nil, err
	}
	re, err := a.Regexp(0, "pattern")
	if err != nil {
		return nil, err
	}
	repl, err := a.String(1, "replacement")
	if err != nil {
		return nil, err
	}
	prefix, complete := re.LiteralPrefix()
	e := &edit{
		re:      re,
		repl:    []byte(repl),
		maxBuf:  defaultMaxBuf,
		maxLen:  maxMatchLen(re.String()),
		prefix:  []byte(prefix),
		literal: complete && prefix != "",
	}
	if s.delimited {
		delim, err := a.String(2, "delimiter")
		if err != nil {
			return nil, err
		}
		e.delim = []byte(delim)
	}
	if a.Len() > first {
		n, err := a.Number(first, "max buffer size")
		if err != nil {
			return nil, err
		}
		if math.IsNaN(n) || n >= math.MaxInt32 {
			return nil, a.Errorf("argument %d (max buffer size) must be below 2 GiB, got %v", first+1, a.At(first))
		}
		if n >= 1 {
			e.maxBuf = int(n)
		}
	}
	if a.Len() > first+1 {
		h, err := a.String(first+1, `"abort" or "best-effort"`)
		if err != nil {
			return nil, err
		}
		switch h {
		case "abort":
			e.abort = true
		case "best-effort":
		default:
			return nil, a.Errorf(`argument %d must be "abort" or "best-effort", got %q`, first+2, h)
		}
	}
	return &sedFilter{edit: e, request: s.request}, nil
}

type sedFilter struct {
	*edit
	request bool
}

func (f *sedFilter) Request(ctx filters.FilterContext) {
	if !f.request {
		return
	}
	req := ctx.Request()
	if req.Body == nil || req.Body == http.NoBody {
		return
	}
	delete(req.Header, "Content-Length")
	req.ContentLength = -1
	req.GetBody = nil
	req.Body = newEditor(req.Body, f.edit)
}

func (f *sedFilter) Response(ctx filters.FilterContext) {
	if f.request {
		return
	}
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	// The length of the edited body is not known before it is streamed.
	delete(rsp.Header, "Content-Length")
	rsp.ContentLength = -1
	if hasResponseBody(ctx.Request(), rsp) {
		rsp.Body = newEditor(rsp.Body, f.edit)
	}
}

// hasResponseBody tells responses that carry a body: not the answer to a
// HEAD request, nor 1xx, 204 or 304.
func hasResponseBody(req *http.Request, rsp *http.Response) bool {
	if rsp.Body == nil || rsp.Body == http.NoBody || (req != nil && req.Method == http.MethodHead) {
		return false
	}
	s := rsp.StatusCode
	return s >= 200 && s != http.StatusNoContent && s != http.StatusNotModified
}
