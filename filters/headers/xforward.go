package headers

import (
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/filters/template"
)

type xforwardSpec struct {
	name  string
	first bool
}

func (s xforwardSpec) Name() string { return s.name }

func (s xforwardSpec) CreateFilter(args []any) (filters.Filter, error) {
	if err := specargs.Filter(s.name, args).Count(0, 0); err != nil {
		return nil, err
	}
	return xforward(s.first), nil
}

// xforward adds the client's IP to X-Forwarded-For (after the existing
// entries, or before them for xforwardFirst) and sets X-Forwarded-Host to
// the request Host.
type xforward bool

func (first xforward) Request(ctx filters.FilterContext) {
	r := ctx.Request()
	ip := template.ClientIP(r)
	if ip == "" {
		ip = r.RemoteAddr
	}
	h := r.Header
	old := h["X-Forwarded-For"]
	var v string
	switch {
	case len(old) == 0 || (len(old) == 1 && old[0] == ""):
		v = ip
	case bool(first):
		v = ip + ", " + strings.Join(old, ", ")
	default:
		v = strings.Join(old, ", ") + ", " + ip
	}
	h["X-Forwarded-For"] = []string{v}
	if r.Host != "" {
		h["X-Forwarded-Host"] = []string{r.Host}
	}
}

func (xforward) Response(filters.FilterContext) {}
