package headers

import (
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/filters/template"
)

type mode uint8

const (
	modeSet mode = iota
	modeAppend
)

type setSpec struct {
	name     string
	mode     mode
	response bool
}

func (s *setSpec) Name() string { return s.name }

func (s *setSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	key, err := headerName(a, 0, "header name")
	if err != nil {
		return nil, err
	}
	value, err := a.String(1, "value")
	if err != nil {
		return nil, err
	}
	if !specargs.ValidHeaderValue(value) {
		return nil, a.Errorf("argument 2 (value) %q is not a valid header value", value)
	}
	f := &setFilter{target: target{key: key, mode: s.mode, host: key == hostKey && !s.response}}
	if t := template.New(value); t.Static() {
		f.static = value
	} else {
		f.tmpl = t
	}
	if s.response {
		return &setResponseFilter{f}, nil
	}
	return &setRequestFilter{f}, nil
}

// setFilter holds what the request and response variants share. A static
// value skips template rendering altogether.
type setFilter struct {
	target
	static string
	tmpl   *template.Template
}

// value renders the value; false means a placeholder was empty, or a
// decoded value (query, cookie, path parameter) held a control character
// that would split the header block, and the header must be left alone.
func (f *setFilter) value(ctx filters.FilterContext) (string, bool) {
	if f.tmpl == nil {
		return f.static, true
	}
	v, ok := f.tmpl.Render(ctx)
	return v, ok && specargs.ValidHeaderValue(v)
}

type setRequestFilter struct{ *setFilter }

func (f *setRequestFilter) Request(ctx filters.FilterContext) {
	if v, ok := f.value(ctx); ok {
		f.writeRequest(ctx, v)
	}
}

func (f *setRequestFilter) Response(filters.FilterContext) {}

type setResponseFilter struct{ *setFilter }

func (f *setResponseFilter) Request(filters.FilterContext) {}

func (f *setResponseFilter) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	if v, ok := f.value(ctx); ok {
		f.writeResponse(rsp, v)
	}
}
