package proxy

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
)

// The original request and response (FilterContext.OriginalRequest and
// OriginalResponse) are kept in two steps. Before filters can change them,
// the context copies what it needs into storage it reuses from request to
// request: the scalar fields, the URL by value and the header's names and
// value slices (the strings are shared, they are immutable; the slices are
// copied, since a filter may edit a header value in place). That costs
// no allocation, only a walk over the header. The *http.Request or
// *http.Response a filter gets is built from it on the first call, so
// requests whose filters never ask pay no allocation for it.

// maxKeptHeader bounds the header storage a context keeps for the next
// request; a request with a larger header gets fresh storage next time.
const maxKeptHeader = 256

// headerCopy is a header in reusable storage: names[i] has the values
// vals[ends[i-1]:ends[i]].
type headerCopy struct {
	names []string
	ends  []int
	vals  []string
}

func (hc *headerCopy) take(h http.Header) {
	hc.names, hc.ends, hc.vals = hc.names[:0], hc.ends[:0], hc.vals[:0]
	for k, vs := range h {
		hc.vals = append(hc.vals, vs...)
		hc.names = append(hc.names, k)
		hc.ends = append(hc.ends, len(hc.vals))
	}
}

// header builds an http.Header of its own from the copy: one map and one
// array for all values, as http.Header.Clone allocates.
func (hc *headerCopy) header() http.Header {
	h := make(http.Header, len(hc.names))
	vals := make([]string, len(hc.vals))
	copy(vals, hc.vals)
	start := 0
	for i, k := range hc.names {
		end := hc.ends[i]
		h[k] = vals[start:end:end]
		start = end
	}
	return h
}

// release forgets the header, keeping the storage unless it grew large.
func (hc *headerCopy) release() {
	if len(hc.vals) > maxKeptHeader || len(hc.names) > maxKeptHeader {
		*hc = headerCopy{}
		return
	}
	clear(hc.names[:cap(hc.names)])
	clear(hc.vals[:cap(hc.vals)])
	hc.names, hc.ends, hc.vals = hc.names[:0], hc.ends[:0], hc.vals[:0]
}

// origRequest is the request as received, kept by keepOriginalRequest.
type origRequest struct {
	kept             bool
	method           string
	url              url.URL
	proto            string
	protoMajor       int
	protoMinor       int
	contentLength    int64
	transferEncoding []string
	close            bool
	host             string
	remoteAddr       string
	requestURI       string
	tls              *tls.ConnectionState
	header           headerCopy
	built            *http.Request // what OriginalRequest returned, if asked
}

func (o *origRequest) take(r *http.Request) {
	o.kept = true
	o.method = r.Method
	if r.URL != nil {
		o.url = *r.URL
	}
	o.proto, o.protoMajor, o.protoMinor = r.Proto, r.ProtoMajor, r.ProtoMinor
	o.contentLength, o.transferEncoding, o.close = r.ContentLength, r.TransferEncoding, r.Close
	o.host, o.remoteAddr, o.requestURI, o.tls = r.Host, r.RemoteAddr, r.RequestURI, r.TLS
	o.header.take(r.Header)
}

// build returns a request of its own carrying ctx (when not nil).
func (o *origRequest) build(ctx context.Context) *http.Request {
	u := o.url
	r := http.Request{
		Method:        o.method,
		URL:           &u,
		Proto:         o.proto,
		ProtoMajor:    o.protoMajor,
		ProtoMinor:    o.protoMinor,
		Header:        o.header.header(),
		Body:          http.NoBody,
		ContentLength: o.contentLength,
		Close:         o.close,
		Host:          o.host,
		RemoteAddr:    o.remoteAddr,
		RequestURI:    o.requestURI,
		TLS:           o.tls,
	}
	if o.transferEncoding != nil {
		r.TransferEncoding = append([]string(nil), o.transferEncoding...)
	}
	if ctx != nil {
		return r.WithContext(ctx)
	}
	return &r
}

// release forgets the request, keeping the header storage.
func (o *origRequest) release() {
	hc := o.header
	hc.release()
	*o = origRequest{header: hc}
}

// origResponse is the response before response filters, kept by
// keepOriginalResponse.
type origResponse struct {
	kept             bool
	status           string
	statusCode       int
	proto            string
	protoMajor       int
	protoMinor       int
	contentLength    int64
	transferEncoding []string
	close            bool
	uncompressed     bool
	request          *http.Request
	tls              *tls.ConnectionState
	header           headerCopy
	built            *http.Response
}

func (o *origResponse) take(r *http.Response) {
	o.kept = true
	o.status, o.statusCode = r.Status, r.StatusCode
	o.proto, o.protoMajor, o.protoMinor = r.Proto, r.ProtoMajor, r.ProtoMinor
	o.contentLength, o.transferEncoding = r.ContentLength, r.TransferEncoding
	o.close, o.uncompressed = r.Close, r.Uncompressed
	o.request, o.tls = r.Request, r.TLS
	o.header.take(r.Header)
}

func (o *origResponse) build() *http.Response {
	r := &http.Response{
		Status:        o.status,
		StatusCode:    o.statusCode,
		Proto:         o.proto,
		ProtoMajor:    o.protoMajor,
		ProtoMinor:    o.protoMinor,
		Header:        o.header.header(),
		Body:          http.NoBody,
		ContentLength: o.contentLength,
		Close:         o.close,
		Uncompressed:  o.uncompressed,
		Request:       o.request,
		TLS:           o.tls,
	}
	if o.transferEncoding != nil {
		r.TransferEncoding = append([]string(nil), o.transferEncoding...)
	}
	return r
}

func (o *origResponse) release() {
	hc := o.header
	hc.release()
	*o = origResponse{header: hc}
}

// keepOriginalRequest copies the request before anything can change it.
// Filters reach the request only through Request and Split, which call
// it, and serveRoute calls it (through beforeFilters) before the first
// filter runs, so the copy is taken before the first change by a filter or
// by the proxy's forwarding.
func (c *reqCtx) keepOriginalRequest() {
	if !c.orig.kept && c.req != nil {
		c.orig.take(c.req)
	}
}

// keepOriginalResponse copies c.resp the first time a filter can see it:
// response filters reach the response only through Response.
func (c *reqCtx) keepOriginalResponse() {
	if !c.origRsp.kept && c.resp != nil {
		c.origRsp.take(c.resp)
	}
}

// cloneResponseHead is an independent copy of r without body, for
// contexts that are not pooled.
func cloneResponseHead(r *http.Response) *http.Response {
	var o origResponse
	o.take(r)
	return o.build()
}
