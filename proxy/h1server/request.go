package h1server

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/skiff-proxy/skiff/proxy/internal/httpsyntax"
	"golang.org/x/net/http/httpguts"
)

// maxFields bounds the field lines of a head this server parses itself; a
// head with more goes to net/http, which has no such bound of its own
// (only the size limit, which the guard enforces).
const maxFields = 100

// parseHead parses one complete request head, from its request line to
// and including the empty line that ends it, into req: the request
// net/http's server would hand its handler for the same bytes, but for
// the context, body, remote address and TLS state, which the connection
// sets. It returns false for every head it does not parse itself, valid
// or not: net/http then reads it and decides. So this parser never rejects anything; it only takes
// the common shape of request, and for that shape it must agree with
// net/http field by field (the differential fuzz test holds it to that).
//
// Taken: "METHOD /origin-form HTTP/1.1" with a token method other than
// CONNECT and PRI; field lines without obs-fold, of valid names and
// values; exactly one valid Host; no Transfer-Encoding, Expect or
// Upgrade; Connection, if sent, only "close" or "keep-alive" tokens; at
// most one Content-Length line.
//
// All strings of the request but canonicalised field names that differ
// from the wire and common methods share one copy of the head: a request
// costs a few allocations instead of one per field value.
func parseHead(b []byte, req *http.Request) bool {
	// The request line.
	eol := bytes.IndexByte(b, '\n')
	if eol < 0 {
		return false
	}
	line := trimCR(b[:eol])
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return false
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 || string(rest[sp2+1:]) != "HTTP/1.1" || rest[0] != '/' {
		return false
	}
	method := line[:sp1]
	if !httpsyntax.IsToken(method) || string(method) == "CONNECT" || string(method) == "PRI" {
		return false
	}

	// Count the field lines first: values and names are then cut from
	// one string, and the value slices from one array, as net/textproto
	// does.
	fields := 0
	for i := eol + 1; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return false
		}
		if len(trimCR(b[i:i+j])) == 0 {
			break
		}
		fields++
		i += j + 1
	}
	if fields > maxFields {
		return false
	}

	head := string(b)
	*req = http.Request{
		Method:     internMethod(method, head[:sp1]),
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		RequestURI: head[sp1+1 : sp1+1+sp2],
		Header:     make(http.Header, fields),
		Body:       http.NoBody,
	}
	u, err := url.ParseRequestURI(req.RequestURI)
	if err != nil {
		return false
	}
	req.URL = u
	strs := make([]string, fields)

	var hosts, lengths int
	var length string
	var canon [64]byte
	for i := eol + 1; ; {
		j := bytes.IndexByte(b[i:], '\n')
		l := trimCR(b[i : i+j])
		start := i
		i += j + 1
		if len(l) == 0 {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			return false // obs-fold, or whitespace before the first name
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 {
			return false
		}
		key, ok := httpsyntax.CanonicalKey(head[start:start+colon], commonKeys, canon[:0])
		if !ok {
			return false
		}
		// net/textproto trims the whole line at both ends, then the
		// value at its start.
		v := l[colon+1:]
		lo, hi := 0, len(v)
		for lo < hi && (v[lo] == ' ' || v[lo] == '\t') {
			lo++
		}
		for hi > lo && (v[hi-1] == ' ' || v[hi-1] == '\t') {
			hi--
		}
		for _, c := range v[lo:hi] {
			if !httpsyntax.ValueByte(c) {
				return false
			}
		}
		voff := start + colon + 1
		value := head[voff+lo : voff+hi]

		switch key {
		case "Host":
			hosts++
		case "Content-Length":
			lengths++
			length = value
		case "Transfer-Encoding", "Expect", "Upgrade":
			return false
		case "Connection":
			if !plainConnection(value) {
				return false
			}
		}
		vv := req.Header[key]
		if vv == nil {
			vv, strs = strs[:1:1], strs[1:]
			vv[0] = value
			req.Header[key] = vv
		} else {
			req.Header[key] = append(vv, value)
		}
	}

	// net/http's server: exactly one valid Host for HTTP/1.1; it is
	// taken out of the header into Request.Host.
	if hosts != 1 {
		return false
	}
	req.Host = req.Header["Host"][0]
	if !httpguts.ValidHostHeader(req.Host) {
		return false
	}
	delete(req.Header, "Host")

	if lengths > 1 {
		return false
	}
	if lengths == 1 {
		n, ok := httpsyntax.ParseLength(length)
		if !ok {
			return false
		}
		req.ContentLength = n
	}

	// As net/http does: Pragma: no-cache stands for Cache-Control:
	// no-cache when that is absent (RFC 9111 §5.4).
	if hp := req.Header["Pragma"]; len(hp) > 0 && hp[0] == "no-cache" {
		if _, ok := req.Header["Cache-Control"]; !ok {
			req.Header["Cache-Control"] = []string{"no-cache"}
		}
	}
	req.Close = httpguts.HeaderValuesContainsToken(req.Header["Connection"], "close")
	return true
}

// plainConnection reports whether a Connection value names only "close"
// and "keep-alive": any other token asks for hop-by-hop handling (an
// upgrade above all) that net/http's server is left to do.
func plainConnection(v string) bool {
	for tok := range strings.SplitSeq(v, ",") {
		tok = strings.Trim(tok, " \t")
		if tok != "" && !strings.EqualFold(tok, "close") && !strings.EqualFold(tok, "keep-alive") {
			return false
		}
	}
	return true
}

func trimCR(l []byte) []byte {
	if n := len(l); n > 0 && l[n-1] == '\r' {
		return l[:n-1]
	}
	return l
}

// commonKeys are field names requests commonly carry, in canonical form.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Authorization",
		"Cache-Control", "Connection", "Content-Length", "Content-Type", "Cookie", "Expect",
		"Forwarded", "Host", "If-Match", "If-Modified-Since", "If-None-Match", "Origin",
		"Pragma", "Referer", "Te", "Traceparent", "Tracestate", "Transfer-Encoding", "Upgrade",
		"User-Agent", "Via", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
		"X-Real-Ip", "X-Request-Id", "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site",
	} {
		m[k] = k
	}
	return m
}()

// internMethod returns the common methods as constants, so a request's
// Method does not keep the head's string alive on its own.
func internMethod(b []byte, s string) string {
	switch string(b) {
	case "GET":
		return http.MethodGet
	case "HEAD":
		return http.MethodHead
	case "POST":
		return http.MethodPost
	case "PUT":
		return http.MethodPut
	case "DELETE":
		return http.MethodDelete
	case "PATCH":
		return http.MethodPatch
	case "OPTIONS":
		return http.MethodOptions
	}
	return s
}

// headEnd returns the length of the request head at the start of b, up
// to and including the empty line that ends it, or -1 if b holds no
// complete head. Lines end at LF, with or without CR before it, as
// net/textproto reads them.
func headEnd(b []byte) int {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		if i > 0 && (j == 0 || j == 1 && b[i] == '\r') {
			return i + j + 1
		}
		i += j + 1
	}
	return -1
}
