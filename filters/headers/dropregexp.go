package headers

import (
	"net/http"
	"regexp"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type dropRegexpSpec struct {
	name     string
	response bool
}

func (s dropRegexpSpec) Name() string { return s.name }

func (s dropRegexpSpec) CreateFilter(args []any) (filters.Filter, error) {
	key, rx, err := headerAndRegexp(specargs.Filter(s.name, args), 2)
	if err != nil {
		return nil, err
	}
	f := &dropRegexp{key: key, rx: rx}
	if s.response {
		return &dropRegexpResponse{f}, nil
	}
	return &dropRegexpRequest{f}, nil
}

type dropRegexp struct {
	key string
	rx  *regexp.Regexp
}

// drop removes the values matching rx, and the header once none is left.
// The value slice is only rebuilt when something matches.
func (f *dropRegexp) drop(h http.Header) {
	vs := h[f.key]
	var kept []string
	for i, v := range vs {
		if !f.rx.MatchString(v) {
			if kept != nil {
				kept = append(kept, v)
			}
			continue
		}
		if kept == nil {
			kept = append(make([]string, 0, len(vs)), vs[:i]...)
		}
	}
	switch {
	case kept == nil:
	case len(kept) == 0:
		delete(h, f.key)
	default:
		h[f.key] = kept
	}
}

type dropRegexpRequest struct{ *dropRegexp }

func (f *dropRegexpRequest) Request(ctx filters.FilterContext) { f.drop(ctx.Request().Header) }
func (*dropRegexpRequest) Response(filters.FilterContext)      {}

type dropRegexpResponse struct{ *dropRegexp }

func (*dropRegexpResponse) Request(filters.FilterContext) {}
func (f *dropRegexpResponse) Response(ctx filters.FilterContext) {
	if rsp := ctx.Response(); rsp != nil {
		f.drop(rsp.Header)
	}
}
