package cfhttp

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// HeaderRouterError as it appears on the wire. gorouter's code writes
// "X-Cf-RouterError"; canonicalisation makes it "X-Cf-Routererror".
const HeaderRouterError = "X-Cf-Routererror"

// Cache-Control values of router errors (§10): lookup failures must not be
// cached, while an empty host or an empty pool may be, briefly.
const (
	cacheNoStore = "no-cache, no-store"
	cacheShortly = "public,max-age=2"
	contentType  = "text/plain; charset=utf-8"
	httpProto    = "HTTP/1.1"
)

// Status codes gorouter uses that net/http has no reason phrase for.
const (
	StatusSSLCertificateRequired = 496
	StatusRequestCancelled       = 499
	StatusSSLHandshakeFailed     = 525
	StatusInvalidSSLCertificate  = 526
)

// Error is a response the router generates itself instead of proxying (§10,
// §8.3). It is a value so that constructing one costs nothing until it is
// written.
type Error struct {
	Status       int
	RouterError  string // X-Cf-Routererror, omitted when empty
	Message      string // appended to the status line in the body
	CacheControl string // omitted when empty
}

// StatusText is http.StatusText extended by the non-standard codes gorouter
// emits, so that their bodies read like the standard ones.
func StatusText(code int) string {
	switch code {
	case StatusSSLCertificateRequired:
		return "SSL Certificate Required"
	case StatusRequestCancelled:
		return "Request Cancelled"
	case StatusSSLHandshakeFailed:
		return "SSL Handshake Failed"
	case StatusInvalidSSLCertificate:
		return "Invalid SSL Certificate"
	}
	return http.StatusText(code)
}

// Body is gorouter's plain-text error body: "<code> <reason>: <message>\n",
// or "<code> <reason>\n" without a message. Built in one allocation.
func (e Error) Body() string {
	reason := StatusText(e.Status)
	var num [20]byte
	code := strconv.AppendInt(num[:0], int64(e.Status), 10)
	var b strings.Builder
	b.Grow(len(code) + 1 + len(reason) + 2 + len(e.Message) + 1)
	b.Write(code)
	b.WriteByte(' ')
	b.WriteString(reason)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	b.WriteByte('\n')
	return b.String()
}

// setHeaders puts the error's headers into h. Connection is dropped for
// error statuses because gorouter's writer does so; the client may keep
// the connection only on its own terms.
func (e Error) setHeaders(h http.Header) {
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if e.RouterError != "" {
		h.Set(HeaderRouterError, e.RouterError)
	}
	if e.CacheControl != "" {
		h.Set("Cache-Control", e.CacheControl)
	}
	if e.Status > 299 {
		h.Del("Connection")
	}
}

// Write sends the error to w. Headers already on w (e.g. set by earlier
// filters) are kept unless the error overrides them.
func (e Error) Write(w http.ResponseWriter) {
	e.setHeaders(w.Header())
	w.WriteHeader(e.Status)
	_, _ = io.WriteString(w, e.Body())
}

// Response is the error as an *http.Response, for filters that answer a
// request by replacing the backend's response rather than by writing.
func (e Error) Response(req *http.Request) *http.Response {
	body := e.Body()
	h := make(http.Header, 4)
	e.setHeaders(h)
	return &http.Response{
		Status:        strconv.Itoa(e.Status) + " " + StatusText(e.Status),
		StatusCode:    e.Status,
		Proto:         httpProto,
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
