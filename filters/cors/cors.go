package cors

import (
	"fmt"
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
)

// Name is the filter name used in eskip.
const Name = "corsOrigin"

const allowOrigin = "Access-Control-Allow-Origin"

type spec struct{}

// Specs returns the corsOrigin spec.
func Specs() []filters.Spec { return []filters.Spec{spec{}} }

func (spec) Name() string { return Name }

func (spec) CreateFilter(args []any) (filters.Filter, error) {
	f := &filter{origins: make([]string, 0, len(args))}
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("%s: argument %d must be a string origin, got %v: %w", Name, i+1, a, filters.ErrInvalidFilterParameters)
		}
		f.origins = append(f.origins, s)
	}
	return f, nil
}

type filter struct{ origins []string }

func (*filter) Request(filters.FilterContext) {}

func (f *filter) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	if rsp.Header == nil {
		rsp.Header = http.Header{}
	}
	if len(f.origins) == 0 {
		rsp.Header.Set(allowOrigin, "*")
		return
	}
	origin := ctx.Request().Header.Get("Origin")
	if origin == "" {
		return
	}
	for _, o := range f.origins {
		if o == origin {
			rsp.Header.Set(allowOrigin, origin)
			return
		}
	}
}
