package path

import (
	"net/http"
	"regexp"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/filters/template"
)

type setPathSpec struct{}

func (setPathSpec) Name() string { return "setPath" }

func (s setPathSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	p, err := a.String(0, "path")
	if err != nil {
		return nil, err
	}
	return &setPath{tmpl: template.New(p)}, nil
}

type setPath struct{ tmpl *template.Template }

// Request sets the path even when a placeholder was missing: the spec wants
// the partial result.
func (f *setPath) Request(ctx filters.FilterContext) {
	p, _ := f.tmpl.Render(ctx)
	setURLPath(ctx.Request(), p)
}

func (*setPath) Response(filters.FilterContext) {}

// setURLPath replaces the decoded path and drops a raw path that no longer
// belongs to it.
func setURLPath(r *http.Request, p string) {
	if r.URL.Path != p {
		r.URL.Path = p
		r.URL.RawPath = ""
	}
}

type modPathSpec struct{}

func (modPathSpec) Name() string { return "modPath" }

func (s modPathSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	rx, err := a.Regexp(0, "expression")
	if err != nil {
		return nil, err
	}
	repl, err := a.String(1, "replacement")
	if err != nil {
		return nil, err
	}
	return &modPath{rx: rx, repl: repl}, nil
}

type modPath struct {
	rx   *regexp.Regexp
	repl string
}

func (f *modPath) Request(ctx filters.FilterContext) {
	r := ctx.Request()
	setURLPath(r, f.rx.ReplaceAllString(r.URL.Path, f.repl))
}

func (*modPath) Response(filters.FilterContext) {}
