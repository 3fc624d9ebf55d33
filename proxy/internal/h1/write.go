package h1

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

var (
	errInvalidMethod     = errors.New("invalid method")
	errInvalidTarget     = errors.New("control character or space in the request-target")
	errInvalidHost       = errors.New("invalid Host")
	errInvalidFieldName  = errors.New("invalid header field name")
	errInvalidFieldValue = errors.New("invalid header field value")
	errInvalidTrailerKey = errors.New("invalid trailer field name")
)

func invalidRequest(err error, what string) error {
	if what != "" {
		err = errors.New(err.Error() + " " + strconv.Quote(what))
	}
	return &InvalidRequestError{err}
}

// ValidateRequest applies to req the checks of WriteRequest and
// Client.RoundTrip: it returns an *InvalidRequestError when req cannot be
// sent. It is for requests sent by other clients (http.Transport), which
// refuse most of these but send an invalid Host as an empty one.
func ValidateRequest(req *http.Request) error {
	_, err := checkRequest(req)
	return err
}

// checkRequest validates what WriteRequest is going to send, before any
// byte of it is written, as net/http's client does (Transport.roundTrip and
// Request.write of Go 1.26), and returns the Host header value to send.
// It rejects a little more than net/http:
//   - an invalid Host, which net/http replaces with an empty one (it then
//     reaches another virtual host than the route asked for);
//   - a space in the request-target, which net/http writes and which splits
//     the request line into more than three parts (RFC 9112 §3).
func checkRequest(req *http.Request) (string, error) {
	if m := req.Method; m != "" && !validMethod(m) {
		return "", invalidRequest(errInvalidMethod, m)
	}
	host, err := outgoingHost(req)
	if err != nil {
		return "", err
	}
	if err := checkTarget(req); err != nil {
		return "", err
	}
	if err := checkFields(req.Header); err != nil {
		return "", err
	}
	if err := checkFields(req.Trailer); err != nil {
		return "", err
	}
	if len(req.Trailer) > 0 && sendsChunked(req) {
		// These would change the framing if they were honoured as
		// trailer fields (RFC 9110 §6.5.1).
		for k := range req.Trailer {
			if isFramingField(k) || asciiEqualFold(k, "Trailer") {
				return "", invalidRequest(errInvalidTrailerKey, k)
			}
		}
	}
	return host, nil
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return true
	}
	return httpguts.ValidHeaderFieldName(m) // token, RFC 9110 §9.1
}

// outgoingHost is the Host header value as Request.write computes it:
// req.Host or the URL's host, in Punycode, without an IPv6 zone.
func outgoingHost(req *http.Request) (string, error) {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	host, err := httpguts.PunycodeHostPort(host)
	if err != nil || !httpguts.ValidHostHeader(host) {
		return "", invalidRequest(errInvalidHost, host)
	}
	return removeZone(host), nil
}

// removeZone drops the zone of an IPv6 literal ("[fe80::1%en0]:80"), which
// has no meaning to the backend (RFC 6874 §4).
func removeZone(host string) string {
	if !strings.HasPrefix(host, "[") {
		return host
	}
	i := strings.LastIndexByte(host, ']')
	if i < 0 {
		return host
	}
	j := strings.LastIndexByte(host[:i], '%')
	if j < 0 {
		return host
	}
	return host[:j] + host[i:]
}

// checkTarget rejects control characters and spaces in the parts of the
// request-target that are written as they are (EscapedPath escapes them in
// the path), so that they cannot end the request line early.
func checkTarget(req *http.Request) error {
	u := req.URL
	if connectTarget(req) {
		if u.Opaque != "" && !validTargetPart(u.Opaque) {
			return invalidRequest(errInvalidTarget, u.Opaque)
		}
		return nil
	}
	if u.Opaque != "" {
		if !validTargetPart(u.Opaque) || (strings.HasPrefix(u.Opaque, "//") && !validTargetPart(u.Scheme)) {
			return invalidRequest(errInvalidTarget, u.Opaque)
		}
	}
	if !validTargetPart(u.RawQuery) {
		return invalidRequest(errInvalidTarget, u.RawQuery)
	}
	return nil
}

func validTargetPart(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// checkFields applies httpguts' field name and value checks to every
// field, as Transport.roundTrip does: CR and LF in a value would start a
// new field or end the header section (RFC 9110 §5.5).
func checkFields(h http.Header) error {
	for k, vs := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return invalidRequest(errInvalidFieldName, k)
		}
		for _, v := range vs {
			if !validValue(v) {
				// The value is not quoted: it may be a secret.
				return invalidRequest(errInvalidFieldValue, k)
			}
		}
	}
	return nil
}

// derivedField reports the fields that writeChecked derives from the
// request instead of copying them: Host, and the framing of the body
// (RFC 9112 §6). Unlike Request.write, which skips only the canonical
// spellings, any spelling is skipped: a "transfer-encoding" key put in the
// map by a filter would otherwise reach the backend next to the
// Content-Length written here.
func derivedField(k string) bool {
	switch k {
	case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
		return true
	}
	switch len(k) {
	case len("Host"):
		return asciiEqualFold(k, "Host")
	case len("Trailer"):
		return asciiEqualFold(k, "Trailer")
	case len("Content-Length"), len("Transfer-Encoding"):
		return isFramingField(k)
	}
	return false
}

func isFramingField(k string) bool {
	return asciiEqualFold(k, "Content-Length") || asciiEqualFold(k, "Transfer-Encoding")
}

func hasRequestBody(req *http.Request) bool {
	return req.Body != nil && req.Body != http.NoBody
}

// sendsChunked reports whether WriteRequest frames the body with the
// chunked coding: a body of unknown length.
func sendsChunked(req *http.Request) bool {
	return hasRequestBody(req) && req.ContentLength <= 0
}

// connectTarget reports the authority-form request-target of CONNECT
// (RFC 9112 §3.2.3).
func connectTarget(req *http.Request) bool {
	return req.Method == http.MethodConnect && req.URL.Path == ""
}

// WriteRequest validates req (as ValidateRequest) and serialises it as
// an HTTP/1.1 request on bw, body included, and flushes; buf is the buffer
// the body is copied through. Nothing is written when req is invalid
// (*InvalidRequestError); a failure to read the body is a
// *RequestBodyError. Hop-by-hop fields are the caller's to remove; the
// framing fields are derived from req.Body and req.ContentLength whatever
// req.Header says (RFC 9112 §6). It is the request writer of Client, for
// a caller that reads the response itself (a protocol switch).
func WriteRequest(bw *bufio.Writer, req *http.Request, buf []byte) error {
	host, err := checkRequest(req)
	if err != nil {
		return err
	}
	return writeChecked(bw, req, host, buf)
}

// writeChecked serialises a request that checkRequest accepted, with host
// as its Host header. The proxy has already removed hop-by-hop headers;
// framing headers (Content-Length, Transfer-Encoding, Trailer) are derived
// from the body here. Unlike http.Request.Write it adds no User-Agent.
func writeChecked(bw *bufio.Writer, req *http.Request, host string, buf []byte) error {
	writeRequestLine(bw, req, host)
	bw.WriteString("Host: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")

	for k, vs := range req.Header {
		if derivedField(k) {
			continue
		}
		for _, v := range vs {
			writeField(bw, k, v)
		}
	}

	hasBody := hasRequestBody(req)
	chunked := sendsChunked(req)
	switch {
	case !hasBody:
		switch req.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			bw.WriteString("Content-Length: 0\r\n")
		}
	case !chunked:
		var num [20]byte
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(num[:0], req.ContentLength, 10))
		bw.WriteString("\r\n")
	default:
		bw.WriteString("Transfer-Encoding: chunked\r\n")
		writeTrailerNames(bw, req.Trailer)
	}
	bw.WriteString("\r\n")

	if hasBody {
		var err error
		if chunked {
			err = writeChunked(bw, req, buf)
		} else {
			err = writeFixed(bw, req.Body, req.ContentLength, buf)
		}
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeRequestLine writes the request line with the request-target that
// Request.write would send (URL.RequestURI, or the authority for CONNECT).
func writeRequestLine(bw *bufio.Writer, req *http.Request, host string) {
	u := req.URL
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	bw.WriteString(method)
	bw.WriteByte(' ')
	if connectTarget(req) {
		if u.Opaque != "" {
			bw.WriteString(u.Opaque)
		} else {
			bw.WriteString(host)
		}
		bw.WriteString(" HTTP/1.1\r\n")
		return
	}
	switch {
	case u.Opaque != "":
		if strings.HasPrefix(u.Opaque, "//") {
			bw.WriteString(u.Scheme)
			bw.WriteByte(':')
		}
		bw.WriteString(u.Opaque)
	default:
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		bw.WriteString(p)
	}
	if u.RawQuery != "" || u.ForceQuery {
		bw.WriteByte('?')
		bw.WriteString(u.RawQuery)
	}
	bw.WriteString(" HTTP/1.1\r\n")
}

func writeField(bw *bufio.Writer, k, v string) {
	bw.WriteString(k)
	bw.WriteString(": ")
	bw.WriteString(v)
	bw.WriteString("\r\n")
}

// writeTrailerNames announces the trailer fields (RFC 9110 §6.6.2).
func writeTrailerNames(bw *bufio.Writer, tr http.Header) {
	if len(tr) == 0 {
		return
	}
	bw.WriteString("Trailer: ")
	first := true
	for k := range tr {
		if !first {
			bw.WriteString(", ")
		}
		first = false
		bw.WriteString(k)
	}
	bw.WriteString("\r\n")
}

var errBodyTooLong = errors.New("request body longer than its Content-Length")

// writeFixed copies a body of n bytes. A body that ends early or goes on
// past n fails the request, as with net/http's client: its Content-Length
// was wrong. The server's bodies report their end with their last bytes;
// only other readers cost one more Read to see it.
func writeFixed(bw *bufio.Writer, body io.Reader, n int64, buf []byte) error {
	for n > 0 {
		b := buf
		if int64(len(b)) > n {
			b = b[:n]
		}
		m, err := body.Read(b)
		if m > 0 {
			if _, werr := bw.Write(b[:m]); werr != nil {
				return werr
			}
			n -= int64(m)
		}
		if err == io.EOF {
			if n > 0 {
				return &RequestBodyError{io.ErrUnexpectedEOF}
			}
			return nil
		}
		if err != nil {
			return &RequestBodyError{err}
		}
	}
	for {
		m, err := body.Read(buf[:1])
		switch {
		case m > 0:
			return &RequestBodyError{errBodyTooLong}
		case err == io.EOF:
			return nil
		case err != nil:
			return &RequestBodyError{err}
		}
	}
}

func writeChunked(bw *bufio.Writer, req *http.Request, buf []byte) error {
	var hex [16]byte
	for {
		m, err := req.Body.Read(buf)
		if m > 0 {
			bw.Write(strconv.AppendInt(hex[:0], int64(m), 16))
			bw.WriteString("\r\n")
			bw.Write(buf[:m])
			if _, werr := bw.WriteString("\r\n"); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return &RequestBodyError{err}
		}
	}
	// Trailer values are known once the body was read to the end: they
	// are checked again now, and an invalid one ends the request before
	// the trailer section is written.
	if err := checkFields(req.Trailer); err != nil {
		return err
	}
	bw.WriteString("0\r\n")
	for k, vs := range req.Trailer {
		for _, v := range vs {
			writeField(bw, k, v)
		}
	}
	_, err := bw.WriteString("\r\n")
	return err
}
