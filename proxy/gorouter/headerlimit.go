package gorouter

import (
	"net/http"

	"github.com/skiff-proxy/skiff/dataclients/nats/cfhttp"
)

// Request header limits (spec §9.3): max_request_header_bytes and
// max_request_headers, below the listener's own limit, refuse a request
// whose header is too big for the apps behind the router.

// routerErrorTooLarge is the X-Cf-Routererror of the 431 answer.
const routerErrorTooLarge = "max-request-size-exceeded"

// headersTooLarge reports whether r exceeds a limit. The size is counted
// as gorouter counts it, as the bytes of the request head: the request line
// ("<method> <target> <proto>\r\n"), the Host line ("Host: <host>\r\n"),
// and "<name>: <value>\r\n" for every value of every header, each value a
// line of its own. Unlike gorouter, which counts after it added
// X-Vcap-Request-Id and the trace headers, this counts what the client
// sent (and the raw target rather than a re-encoded one): the limit is
// about the client's request.
func (f *poolFilter) headersTooLarge(r *http.Request) bool {
	maxBytes, maxLines := f.opts.MaxRequestHeaderBytes, f.opts.MaxRequestHeaders
	if maxBytes <= 0 && maxLines <= 0 {
		return false
	}
	size, lines := headSize(r)
	return maxBytes > 0 && size >= maxBytes || maxLines > 0 && lines > maxLines
}

// headSize is the size of r's head and its number of header lines (the
// Host line not counted, as gorouter does not count it).
func headSize(r *http.Request) (size, lines int) {
	size = len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	size += len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			size += len(k) + 2 + len(v) + 2
			lines++
		}
	}
	return size, lines
}

// requestHeadersTooLarge is the 431 answer: no body, and the connection
// closes after it, as a client that sent a head this large is not to be
// read further.
func requestHeadersTooLarge(r *http.Request) *http.Response {
	return &http.Response{
		StatusCode: http.StatusRequestHeaderFieldsTooLarge,
		Status:     "431 " + http.StatusText(http.StatusRequestHeaderFieldsTooLarge),
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			cfhttp.HeaderRouterError: {routerErrorTooLarge},
			"Connection":             {"close"},
		},
		Body:    http.NoBody,
		Close:   true,
		Request: r,
	}
}
