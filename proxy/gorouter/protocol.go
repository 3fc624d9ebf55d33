package gorouter

import (
	"net/http"

	"github.com/skiff-proxy/skiff/dataclients/nats/cfhttp"
	"github.com/skiff-proxy/skiff/filters"
)

// Protocol versions (spec §10's last row): net/http takes any HTTP/1.x
// request line, "GET / HTTP/1.5" included, and serves it as HTTP/1.1.
// gorouter refuses versions it does not know with a bare HTTP/1.0 status
// line and closes the connection, without its usual error headers and
// body: it cannot know what framing such a client understands.

// badProtocolAnswer is gorouter's whole answer to an unsupported version.
const badProtocolAnswer = "HTTP/1.0 400 Bad Request\r\n\r\n"

// supportedProtocol: HTTP/1.0, HTTP/1.1, and HTTP/2, which reaches the
// proxy only when the listener serves it (gorouter's enable_http2).
func supportedProtocol(r *http.Request) bool {
	return r.ProtoMajor == 1 && r.ProtoMinor <= 1 || r.ProtoMajor == 2
}

// refuseProtocol writes badProtocolAnswer on the client connection, taken
// over from net/http through the filter context's ResponseWriter (which
// unwraps to net/http's writer, as http.ResponseController needs), and
// closes it. MarkServed tells the proxy that the request is answered and
// that it must write nothing. A writer that cannot be taken over (HTTP/2,
// which has no version to refuse; a test's recorder) gets gorouter's
// fallback, an ordinary 400.
func refuseProtocol(ctx filters.FilterContext) {
	conn, buf, err := http.NewResponseController(ctx.ResponseWriter()).Hijack()
	if err != nil {
		ctx.Serve(cfhttp.Error{Status: http.StatusBadRequest, Message: "Unsupported protocol"}.Response(ctx.Request()))
		return
	}
	ctx.MarkServed()
	// Errors are not reported: the client is refused either way.
	_, _ = buf.WriteString(badProtocolAnswer)
	_ = buf.Flush()
	_ = conn.Close()
}
