package proxy

import (
	"net/http"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
)

// The tests below check the two hooks of extcontext.go through ServeHTTP.
// They skip while serve.go does not call the hook yet.

// TestOriginalRequestBeforeForwarding: a filter that first asks in the
// response phase, when no filter looked at the request before it was
// forwarded, still gets it as received: hop-by-hop fields, URL and Host.
func TestOriginalRequestBeforeForwarding(t *testing.T) {
	seen := make(chan *http.Request, 1)
	reg := testRegistry()
	reg.Register(testSpec{"askLate", func([]any) filters.Filter {
		return funcFilter{rsp: func(c filters.FilterContext) { seen <- c.OriginalRequest() }}
	}})
	be := backend(t, nil)
	fx := startProxyReg(t, reg, Options{}, netRoute("r", "/a", be.URL, f("askLate")))
	req := mustReq(t, "GET", fx.url("/a"), nil)
	req.Header.Set("Te", "trailers")
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "1")
	do(t, req)
	o := <-seen
	if o.Header.Get("X-Hop") != "1" || o.Header.Get("Te") != "trailers" || o.Header.Get("Connection") != "X-Hop" ||
		o.URL.Host != "" || o.URL.Path != "/a" || o.Host != req.URL.Host {
		t.Errorf("original request %v Host %q header %v", o.URL, o.Host, o.Header)
	}
}

// TestDebugContextsThroughServeHTTP: under debugContexts no request
// reuses a context, so one kept from an earlier request panics even after
// later requests.
func TestDebugContextsThroughServeHTTP(t *testing.T) {
	debugContexts.Store(true)
	defer debugContexts.Store(false)
	kept := make(chan filters.FilterContext, 1)
	writers := make(chan http.ResponseWriter, 1)
	be := backend(t, nil)
	fx := startProxyReg(t, keeperRegistry(kept, writers), Options{}, netRoute("r", "/", be.URL, f("keep")))
	get(t, fx.url("/"))
	first := <-kept
	<-writers
	for range 5 {
		get(t, fx.url("/"))
		<-writers
		if <-kept == first {
			t.Fatal("a context was reused under debugContexts")
		}
	}
	mustPanicEnded(t, "StateBag of an earlier request", func() { first.StateBag() })
}
