package headers

import (
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
)

// target is where the set and context filters write their value: one
// header, set or appended to; on the request a Host header is the outgoing
// host instead.
type target struct {
	key  string
	mode mode
	host bool
}

func (t *target) apply(h http.Header, v string) {
	if t.mode == modeAppend {
		h[t.key] = append(h[t.key], v)
		return
	}
	h[t.key] = []string{v}
}

func (t *target) writeRequest(ctx filters.FilterContext, v string) {
	if t.host {
		ctx.SetOutgoingHost(v)
		return
	}
	t.apply(ctx.Request().Header, v)
}

func (t *target) writeResponse(rsp *http.Response, v string) {
	if rsp.Header == nil {
		rsp.Header = http.Header{}
	}
	t.apply(rsp.Header, v)
}
