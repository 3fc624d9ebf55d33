package headers

import (
	"fmt"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type contextSpec struct {
	name     string
	mode     mode
	response bool
}

func (s contextSpec) Name() string { return s.name }

func (s contextSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	key, err := headerName(a, 0, "header name")
	if err != nil {
		return nil, err
	}
	bagKey, err := a.NonEmptyString(1, "state bag key")
	if err != nil {
		return nil, err
	}
	f := &contextFilter{target: target{key: key, mode: s.mode, host: key == hostKey && !s.response}, bagKey: bagKey}
	if s.response {
		return &contextResponse{f}, nil
	}
	return &contextRequest{f}, nil
}

// contextFilter writes a state-bag value (formatted with fmt unless it is
// a string) into a header; a missing key leaves the header alone.
type contextFilter struct {
	target
	bagKey string
}

func (f *contextFilter) value(ctx filters.FilterContext) (string, bool) {
	v, ok := ctx.StateBag()[f.bagKey]
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		s = fmt.Sprint(v)
	}
	return s, specargs.ValidHeaderValue(s)
}

type contextRequest struct{ *contextFilter }

func (f *contextRequest) Request(ctx filters.FilterContext) {
	if v, ok := f.value(ctx); ok {
		f.writeRequest(ctx, v)
	}
}

func (*contextRequest) Response(filters.FilterContext) {}

type contextResponse struct{ *contextFilter }

func (*contextResponse) Request(filters.FilterContext) {}

func (f *contextResponse) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	if v, ok := f.value(ctx); ok {
		f.writeResponse(rsp, v)
	}
}
