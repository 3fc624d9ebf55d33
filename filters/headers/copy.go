package headers

import (
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type copySpec struct {
	name     string
	response bool
}

func (s *copySpec) Name() string { return s.name }

func (s *copySpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	src, err := headerName(a, 0, "source header")
	if err != nil {
		return nil, err
	}
	dst, err := headerName(a, 1, "destination header")
	if err != nil {
		return nil, err
	}
	if s.response {
		return &copyResponse{src: src, dst: dst}, nil
	}
	return &copyRequest{src: src, dst: dst}, nil
}

type copyRequest struct{ src, dst string }

func (f *copyRequest) Request(ctx filters.FilterContext) {
	r := ctx.Request()
	v := requestHeader(r, f.src)
	if v == "" {
		return
	}
	if f.dst == hostKey {
		ctx.SetOutgoingHost(v)
		return
	}
	r.Header[f.dst] = []string{v}
}

func (*copyRequest) Response(filters.FilterContext) {}

type copyResponse struct{ src, dst string }

func (*copyResponse) Request(filters.FilterContext) {}

func (f *copyResponse) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	if v := first(rsp.Header, f.src); v != "" {
		if rsp.Header == nil {
			rsp.Header = http.Header{}
		}
		rsp.Header[f.dst] = []string{v}
	}
}
