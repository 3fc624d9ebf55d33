package status

import (
	"net/http"
	"strconv"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type statusSpec struct{}

func (statusSpec) Name() string { return "status" }

func (s statusSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	code, err := a.StatusCode(0)
	if err != nil {
		return nil, err
	}
	return &status{code: code, line: statusLine(code)}, nil
}

// statusLine is the Status text net/http would report for code.
func statusLine(code int) string {
	return strconv.Itoa(code) + " " + http.StatusText(code)
}

type status struct {
	code int
	line string
}

func (*status) Request(filters.FilterContext) {}

func (f *status) Response(ctx filters.FilterContext) {
	if rsp := ctx.Response(); rsp != nil {
		rsp.StatusCode = f.code
		rsp.Status = f.line
	}
}

type commentSpec struct{}

func (commentSpec) Name() string { return "comment" }

// CreateFilter accepts any arguments: comments document routes and do
// nothing at run time.
func (commentSpec) CreateFilter([]any) (filters.Filter, error) { return comment{}, nil }

type comment struct{}

func (comment) Request(filters.FilterContext)  {}
func (comment) Response(filters.FilterContext) {}
