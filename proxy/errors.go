package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/proxy/internal/h1"
)

// statusClientClosed is logged when the client went away before the
// response was written (nginx's convention).
const statusClientClosed = 499

var (
	errNoRoute       = errors.New("no route")
	errMaxLoopbacks  = errors.New("max loopbacks reached")
	errLoopbackOff   = errors.New("loopback backends are disabled")
	errNoEndpoint    = errors.New("load-balanced route has no endpoints")
	errBadBackendURL = errors.New("invalid dynamic backend")
	errNoUpgrade     = errors.New("upgrade requires HTTP/1.1")
	errUnknownScheme = errors.New("unsupported backend scheme")
)

// proxyError carries the status chosen for an error together with the
// cause, so filters' error handlers and the log see both.
type proxyError struct {
	status int
	err    error
}

func (e *proxyError) Error() string { return e.err.Error() }
func (e *proxyError) Unwrap() error { return e.err }

// isDialError reports a failure before the request reached the backend:
// TCP connect or TLS handshake.
func isDialError(err error) bool {
	var de *h1.DialError
	if errors.As(err, &de) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var (
		rh  tls.RecordHeaderError
		ae  tls.AlertError
		cv  *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		inv x509.CertificateInvalidError
	)
	return errors.As(err, &rh) || errors.As(err, &ae) || errors.As(err, &cv) ||
		errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &inv)
}

// malformedResponseTexts are what net/http's response parser says about
// answers that are not valid HTTP/1.x; http.Transport returns them as
// untyped errors, possibly wrapped ("transport connection broken: ...").
var malformedResponseTexts = [...]string{
	"malformed HTTP",
	"bad Content-Length",
	"invalid empty Content-Length",
	"multiple Content-Length headers",
	"unsupported transfer encoding",
	"too many transfer encodings",
	"bad trailer key",
	"server response headers exceeded",
}

// invalidRequestTexts are what http.Transport (HTTP/1 and HTTP/2) says
// when it refuses to send a request, before or while writing its head:
// the h1 client reports the same cases as *h1.InvalidRequestError. Both are
// 400: the request, as the client and the filters made it, cannot be
// forwarded. ("invalid Trailer key" is said of a request's trailer names;
// a response's are "bad trailer key".)
var invalidRequestTexts = [...]string{
	"net/http: invalid header ",
	"net/http: invalid trailer ",
	"net/http: invalid method ",
	"net/http: can't write control character in Request.URL",
	"invalid Trailer key",
	"invalid Host header",
	"invalid request :path",
	"invalid HTTP header ",
	"invalid HTTP trailer ",
}

// isInvalidRequest recognises a request that was not sent because it is
// invalid: the h1 client's *h1.InvalidRequestError, or http.Transport's
// untyped errors for the same cases.
func isInvalidRequest(err error) bool {
	var ie *h1.InvalidRequestError
	if errors.As(err, &ie) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return false
	}
	msg := err.Error()
	for _, s := range invalidRequestTexts {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// isMalformedResponse recognises http.Transport's (https, h2c, Expect
// requests) failures to parse a backend answer, which the h1 client
// reports as *h1.BadResponseError: both are 502. Transport failures (EOF,
// resets, timeouts) keep their own status.
func isMalformedResponse(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return false
	}
	var pe textproto.ProtocolError
	if errors.As(err, &pe) {
		return true
	}
	msg := err.Error()
	for _, s := range malformedResponseTexts {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// statusFor maps a backend-step error to its status (docs/proxy.md,
// "Errors").
// clientCtx is the incoming request's context: its cancellation is the
// client leaving, any other deadline is a backend timeout.
func statusFor(clientCtx context.Context, err error) int {
	var pe *proxyError
	if errors.As(err, &pe) {
		return pe.status
	}
	if clientCtx.Err() != nil {
		return statusClientClosed
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	if isInvalidRequest(err) || errors.Is(err, filters.ErrRequestBodyRejected) {
		return http.StatusBadRequest
	}
	var be *h1.RequestBodyError
	if errors.As(err, &be) {
		// A read deadline hit while the client was still sending: the
		// request did not arrive in time (RFC 9110 §15.5.9). Bodies on
		// connections with deadlines are told apart by idleBody; this
		// covers the rest.
		var ne net.Error
		if errors.As(be.Err, &ne) && ne.Timeout() {
			return http.StatusRequestTimeout
		}
		return http.StatusBadRequest
	}
	var bad *h1.BadResponseError
	if isDialError(err) || errors.As(err, &bad) || isMalformedResponse(err) {
		return http.StatusBadGateway
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return http.StatusGatewayTimeout
		}
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorResponse builds the response the proxy answers an error with:
// status text and a newline, as plain text.
func errorResponse(req *http.Request, status int) *http.Response {
	text := http.StatusText(status)
	if text == "" {
		text = "Status " + strconv.Itoa(status)
	}
	body := text + "\n"
	h := make(http.Header, 5)
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h["Server"] = []string{serverName}
	if status == statusClientClosed || status == http.StatusRequestTimeout {
		h["Connection"] = []string{"close"}
	}
	return &http.Response{
		StatusCode:    status,
		Status:        strconv.Itoa(status) + " " + text,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          &stringBody{Reader: strings.NewReader(body)},
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

type stringBody struct{ *strings.Reader }

func (stringBody) Close() error { return nil }
