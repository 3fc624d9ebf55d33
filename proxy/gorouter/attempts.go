package gorouter

import (
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/cfhttp"
	"github.com/skiff-proxy/skiff/filters"
)

// Attempt sets the headers of the endpoint the balancer chose (§9.1), and
// the name its certificate is verified against when it is a TLS endpoint
// with a server_cert_domain_san: the instance, not the IP, is what a
// Cloud Foundry cell's certificate names.
func (f *poolFilter) Attempt(ctx filters.FilterContext, addr string) {
	e := f.c.Endpoint(f.key, addr)
	h := ctx.Request().Header
	bag := ctx.StateBag()
	if e == nil {
		// Unregistered since the table was built: the address is all
		// that is known.
		h[headerAppID], h[headerInstanceIndex], h[headerInstanceID] = []string{""}, []string{""}, []string{addr}
		delete(bag, bagEndpoint)
		delete(bag, filters.BackendTLSName)
		release(bag)
		return
	}
	h[headerAppID] = []string{e.App()}
	h[headerInstanceIndex] = []string{e.Index()}
	h[headerInstanceID] = []string{e.InstanceID()}
	if san := e.ServerCertDomainSAN(); e.TLS() && san != "" {
		bag[filters.BackendTLSName] = san
	} else {
		delete(bag, filters.BackendTLSName)
	}
	bag[bagEndpoint] = e
	count(bag, ctx.Request(), e)
}

// AttemptFailed applies gorouter's attempt budget and error classes
// (§8.1, §8.2): a failure worth another attempt is retried while fewer
// than max_attempts were made (the proxy stops by itself once every
// endpoint of the pool failed this request), and a TLS endpoint whose
// connection failed leaves its pool until it registers again. Dead marks
// for dial and TLS failures are the proxy's passive health.
func (f *poolFilter) AttemptFailed(ctx filters.FilterContext, addr string, n int, err error) bool {
	bag := ctx.StateBag()
	release(bag)
	// The proxy asks only while the body can be sent again, and the
	// h1 client and net/http's transport retry nothing themselves once
	// the request was written; headers are taken as written.
	class := cfhttp.Classify(err, ctx.Request(), true, true)
	if class.RemoveTLS {
		if e, _ := bag[bagEndpoint].(*nats.Endpoint); e != nil && e.Addr() == addr {
			f.c.RemoveFailedTLS(f.key, e)
		}
	}
	return class.Retriable && n < f.opts.MaxAttempts
}
