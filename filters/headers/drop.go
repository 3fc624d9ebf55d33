package headers

import (
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type dropSpec struct {
	name     string
	response bool
}

func (s *dropSpec) Name() string { return s.name }

func (s *dropSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	key, err := headerName(a, 0, "header name")
	if err != nil {
		return nil, err
	}
	if s.response {
		return dropResponse(key), nil
	}
	return dropRequest(key), nil
}

type dropRequest string

func (k dropRequest) Request(ctx filters.FilterContext) { delete(ctx.Request().Header, string(k)) }
func (dropRequest) Response(filters.FilterContext)      {}

type dropResponse string

func (dropResponse) Request(filters.FilterContext) {}
func (k dropResponse) Response(ctx filters.FilterContext) {
	if rsp := ctx.Response(); rsp != nil {
		delete(rsp.Header, string(k))
	}
}
