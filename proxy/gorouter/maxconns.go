package gorouter

import (
	"net/http"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters"
)

// bagCounted is the endpoint whose in-flight count the request holds.
const bagCounted = "nats:counted"

// Connection limits (spec §7.4): an endpoint's in-flight count covers a
// request from the start of its attempt until the response headers
// arrive (or the attempt fails), not the streaming of the body nor an
// upgraded connection. An endpoint at MaxConns takes no new request; a
// pool whose endpoints are all at the limit answers 503.

// checkLimit reports whether every endpoint of the pool is at the limit;
// otherwise, when some are, it steers the request to one below it.
func (f *poolFilter) checkLimit(bag map[string]any) (exhausted bool) {
	limit := int64(f.opts.MaxConns)
	if limit <= 0 {
		return false
	}
	preferred, _ := bag[filters.PreferredEndpoint].(string)
	exhausted, pick := f.c.BelowLimit(f.key, limit, preferred)
	if pick != "" {
		bag[filters.PreferredEndpoint] = pick
	}
	return exhausted
}

// count moves the request's in-flight count to e, releasing the one a
// failed earlier attempt held.
func count(bag map[string]any, r *http.Request, e *nats.Endpoint) {
	release(bag)
	if e == nil || r.Header.Get("Upgrade") != "" {
		return
	}
	e.InFlight().Add(1)
	bag[bagCounted] = e
}

// release ends the request's in-flight count, once its response headers
// arrived or its attempt failed.
func release(bag map[string]any) {
	if e, ok := bag[bagCounted].(*nats.Endpoint); ok {
		e.InFlight().Add(-1)
		delete(bag, bagCounted)
	}
}
