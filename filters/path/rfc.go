package path

import (
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type rfcHostSpec struct{}

func (rfcHostSpec) Name() string { return "rfcHost" }

func (s rfcHostSpec) CreateFilter(args []any) (filters.Filter, error) {
	if err := specargs.Filter(s.Name(), args).Count(0, 0); err != nil {
		return nil, err
	}
	return rfcHost{}, nil
}

// rfcHost removes one trailing dot from the outgoing host name ("a.org.:80"
// becomes "a.org:80"): fully qualified names are valid DNS but many
// backends do not recognise them as their virtual host.
type rfcHost struct{}

func (rfcHost) Request(ctx filters.FilterContext) {
	h := ctx.OutgoingHost()
	name, port := h, ""
	if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h[i:], ']') < 0 {
		name, port = h[:i], h[i:]
	}
	if strings.HasSuffix(name, ".") {
		ctx.SetOutgoingHost(name[:len(name)-1] + port)
	}
}

func (rfcHost) Response(filters.FilterContext) {}

type rfcPathSpec struct{}

func (rfcPathSpec) Name() string { return "rfcPath" }

func (s rfcPathSpec) CreateFilter(args []any) (filters.Filter, error) {
	if err := specargs.Filter(s.Name(), args).Count(0, 0); err != nil {
		return nil, err
	}
	return rfcPath{}, nil
}

// rfcPath exists so route files written for skipper load. skipper sends the
// decoded path re-escaped unless this filter is used; skiff always sends the
// client's own escaping (URL.EscapedPath keeps e.g. %2F), so there is
// nothing left to do per request.
type rfcPath struct{}

func (rfcPath) Request(filters.FilterContext)  {}
func (rfcPath) Response(filters.FilterContext) {}
