package headers

import (
	"regexp"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type modSpec struct {
	name     string
	response bool
}

func (s *modSpec) Name() string { return s.name }

func (s *modSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	key, rx, err := headerAndRegexp(a, 3)
	if err != nil {
		return nil, err
	}
	repl, err := a.String(2, "replacement")
	if err != nil {
		return nil, err
	}
	if !specargs.ValidHeaderValue(repl) {
		return nil, a.Errorf("argument 3 (replacement) %q is not valid in a header value", repl)
	}
	f := &modFilter{key: key, rx: rx, repl: repl}
	if s.response {
		return &modResponse{f}, nil
	}
	return &modRequest{f}, nil
}

type modFilter struct {
	key  string
	rx   *regexp.Regexp
	repl string
}

type modRequest struct{ *modFilter }

func (f *modRequest) Request(ctx filters.FilterContext) {
	r := ctx.Request()
	if f.key == hostKey {
		ctx.SetOutgoingHost(f.rx.ReplaceAllString(r.Host, f.repl))
		return
	}
	if v := r.Header[f.key]; len(v) > 0 {
		r.Header[f.key] = []string{f.rx.ReplaceAllString(v[0], f.repl)}
	}
}

func (*modRequest) Response(filters.FilterContext) {}

type modResponse struct{ *modFilter }

func (*modResponse) Request(filters.FilterContext) {}

func (f *modResponse) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	if v := rsp.Header[f.key]; len(v) > 0 {
		rsp.Header[f.key] = []string{f.rx.ReplaceAllString(v[0], f.repl)}
	}
}
