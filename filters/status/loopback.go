package status

import (
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type loopbackIfStatusSpec struct{}

func (loopbackIfStatusSpec) Name() string { return "loopbackIfStatus" }

func (s loopbackIfStatusSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	code, err := a.Int(0, "status code")
	if err != nil {
		return nil, err
	}
	if code < 100 || code > 599 {
		return nil, a.Errorf("argument 1 (status code) out of range 100-599: %d", code)
	}
	p, err := a.NonEmptyString(1, "path")
	if err != nil {
		return nil, err
	}
	return &loopbackIfStatus{code: code, path: p}, nil
}

// loopbackIfStatus routes the request again with a new path when the
// response has the given status; the new route's response replaces it.
type loopbackIfStatus struct {
	code int
	path string
}

func (*loopbackIfStatus) Request(filters.FilterContext) {}

func (f *loopbackIfStatus) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil || rsp.StatusCode != f.code {
		return
	}
	u := ctx.Request().URL
	u.Path, u.RawPath = f.path, ""
	ctx.LoopbackWithResponse()
}

type healthcheckSpec struct{}

func (healthcheckSpec) Name() string { return "healthcheck" }

func (s healthcheckSpec) CreateFilter(args []any) (filters.Filter, error) {
	if err := specargs.Filter(s.Name(), args).Count(0, 0); err != nil {
		return nil, err
	}
	return &status{code: 200, line: statusLine(200)}, nil
}
