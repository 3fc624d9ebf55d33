package gorouter

import (
	"github.com/skiff-proxy/skiff/filters"
)

// Attempt sets the headers of the endpoint the balancer chose (§9.1).
func (f *poolFilter) Attempt(ctx filters.FilterContext, addr string) {
	e := f.c.Endpoint(f.key, addr)
	h := ctx.Request().Header
	if e == nil {
		// Unregistered since the table was built: the address is all
		// that is known.
		h[headerAppID], h[headerInstanceIndex], h[headerInstanceID] = []string{""}, []string{""}, []string{addr}
		delete(ctx.StateBag(), bagEndpoint)
		release(ctx.StateBag())
		return
	}
	h[headerAppID] = []string{e.App()}
	h[headerInstanceIndex] = []string{e.Index()}
	h[headerInstanceID] = []string{e.InstanceID()}
	bag := ctx.StateBag()
	bag[bagEndpoint] = e
	count(bag, ctx.Request(), e)
}
