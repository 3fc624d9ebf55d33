package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"strconv"

	"github.com/skiff-proxy/skiff/proxy/internal/httpsyntax"
)

// errSlowPath tells readResponseFast to leave the response to
// http.ReadResponse; nothing has been consumed from the reader then.
var errSlowPath = errors.New("response needs the general parser")

// commonHeaders maps canonical header names to themselves so that parsing
// a response does not allocate a string for the usual keys. Read-only.
var commonHeaders = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Accept-Ranges", "Access-Control-Allow-Credentials", "Access-Control-Allow-Headers",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
		"Access-Control-Max-Age", "Age", "Allow", "Alt-Svc", "Cache-Control", "Connection",
		"Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
		"Content-Location", "Content-Range", "Content-Security-Policy", "Content-Type", "Date", "Etag",
		"Expires", "Keep-Alive", "Last-Modified", "Link", "Location", "Pragma", "Referrer-Policy",
		"Retry-After", "Server", "Set-Cookie", "Strict-Transport-Security", "Trailer",
		"Transfer-Encoding", "Vary", "Via", "Www-Authenticate", "X-Content-Type-Options",
		"X-Frame-Options", "X-Powered-By", "X-Request-Id", "X-Xss-Protection",
	} {
		m[k] = k
	}
	return m
}()

// statusLines holds "200 OK" and friends for the standard codes. Read-only.
var statusLines = func() map[int]string {
	m := map[int]string{}
	for c := 100; c < 600; c++ {
		if t := http.StatusText(c); t != "" {
			m[c] = strconv.Itoa(c) + " " + t
		}
	}
	return m
}()

// h1response is a response and its body wrapper in one allocation.
type h1response struct {
	rsp  http.Response
	body h1body
	cl   clBody
}

// readResponseFast parses the common final response (status ≥ 200,
// HTTP/1.x, header block within the reader's buffer, Content-Length or
// chunked framing, no obsolete line folding) with few allocations. For
// anything else it returns errSlowPath without consuming input.
func readResponseFast(br *bufio.Reader, req *http.Request) (*h1response, error) {
	block, err := peekHeaderBlock(br)
	if err != nil {
		return nil, err
	}
	// Status line.
	eol := bytes.IndexByte(block, '\n')
	if eol < 1 || block[eol-1] != '\r' {
		return nil, errSlowPath // bare LF: leave the leniency to net/http
	}
	line := block[:eol-1]
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || (line[7] != '0' && line[7] != '1') || line[8] != ' ' {
		return nil, errSlowPath
	}
	minor := int(line[7] - '0')
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return nil, errSlowPath
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || (len(line) > 12 && line[12] != ' ') {
		return nil, errSlowPath
	}
	// Status is the rest of the line after the version, as net/http keeps
	// it; the usual ones come from a table instead of a new string.
	status, ok := statusLines[code]
	if !ok || string(line[9:]) != status {
		status = string(line[9:])
	}

	// Header lines: count first to size the map and the value slab.
	rest := block[eol+1:]
	n := bytes.Count(rest, []byte{'\n'})
	h := make(http.Header, n)
	slab := make([]string, 0, n)
	values := string(rest) // one allocation backs every value
	off := 0
	var keyBuf [64]byte
	for off < len(values) {
		nl := indexByteString(values[off:], '\n')
		if nl < 0 {
			return nil, errSlowPath
		}
		l := values[off : off+nl]
		off += nl + 1
		if len(l) == 0 || l[len(l)-1] != '\r' {
			return nil, errSlowPath
		}
		l = l[:len(l)-1]
		if l == "" {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			return nil, errSlowPath // obsolete line folding
		}
		colon := indexByteString(l, ':')
		if colon <= 0 || colon > len(keyBuf) {
			return nil, errSlowPath
		}
		key, ok := httpsyntax.CanonicalKey(l[:colon], commonHeaders, keyBuf[:0])
		if !ok {
			return nil, errSlowPath
		}
		if !validValue(l[colon+1:]) {
			return nil, errSlowPath
		}
		v := textproto.TrimString(l[colon+1:])
		slab = append(slab, v)
		if old, exists := h[key]; exists {
			h[key] = append(old, v)
		} else {
			h[key] = slab[len(slab)-1 : len(slab) : len(slab)]
		}
	}

	r := &h1response{}
	rsp := &r.rsp
	rsp.Status = status
	rsp.StatusCode = code
	rsp.Proto = "HTTP/1.1"
	rsp.ProtoMajor, rsp.ProtoMinor = 1, minor
	if minor == 0 {
		rsp.Proto = "HTTP/1.0"
	}
	rsp.Header = h
	rsp.Request = req

	// Framing.
	chunked, doubt := false, false
	if te, ok := h["Transfer-Encoding"]; ok {
		if len(te) != 1 || !asciiEqualFold(te[0], "chunked") || minor == 0 {
			return nil, errSlowPath
		}
		chunked = true
		// Transfer-Encoding overrides Content-Length, but a message with
		// both may be an attempt at response splitting: it is passed on
		// framed by the chunked coding and its connection is not reused
		// (RFC 9112 §6.3, item 3).
		_, doubt = h["Content-Length"]
		delete(h, "Transfer-Encoding")
		delete(h, "Content-Length")
		rsp.TransferEncoding = []string{"chunked"}
	}
	length := int64(-1)
	if cl, ok := h["Content-Length"]; ok {
		if len(cl) != 1 {
			return nil, errSlowPath
		}
		v, ok := parseLength(cl[0])
		if !ok {
			return nil, errSlowPath
		}
		length = v
	}
	head := req.Method == http.MethodHead
	noBody := head || code == http.StatusNoContent || code == http.StatusNotModified
	switch {
	case noBody && chunked:
		return nil, errSlowPath // net/http keeps odd framing details here
	case head:
		rsp.ContentLength = length // what the header announces, -1 if nothing
	case noBody:
		rsp.ContentLength = 0
	case chunked:
		rsp.ContentLength = -1
	case length >= 0:
		rsp.ContentLength = length
	default:
		return nil, errSlowPath // body delimited by close
	}
	// Unlike net/http, a "Connection: close" stays in the header: the
	// proxy needs the other tokens listed with it to drop the headers
	// they name (RFC 9110 §7.6.1).
	rsp.Close = connectionClose(h, minor)
	if tr, ok := h["Trailer"]; ok && chunked {
		delete(h, "Trailer")
		rsp.Trailer = make(http.Header)
		for _, v := range tr {
			for v != "" {
				var k string
				k, v, _ = cutComma(v)
				if k = textproto.TrimString(k); k != "" {
					rsp.Trailer[http.CanonicalHeaderKey(k)] = nil
				}
			}
		}
	}

	if _, err := br.Discard(len(block)); err != nil {
		return nil, err
	}
	r.body.doubt = doubt
	switch {
	case noBody || (!chunked && length == 0):
		rsp.Body = http.NoBody
	case chunked:
		r.body.rc = &chunkedBody{r: httputil.NewChunkedReader(br), br: br, rsp: rsp}
		rsp.Body = &r.body
	default:
		r.cl = clBody{br: br, n: length}
		r.body.rc = &r.cl
		rsp.Body = &r.body
	}
	return r, nil
}

// peekHeaderBlock returns the bytes up to and including the blank line
// that ends the header, without consuming them. The first blank line
// counts, whatever ends the line before it: a head that ends with a bare
// LF line and a CRLF blank line is complete too (RFC 9112 §2.2), and is
// left to the general parser, as is one whose blank line is a bare LF.
func peekHeaderBlock(br *bufio.Reader) ([]byte, error) {
	n := br.Buffered()
	if n == 0 {
		n = 1
	}
	for {
		b, err := br.Peek(n)
		i := bytes.Index(b, []byte("\n\r\n"))
		if j := bytes.Index(b, []byte("\n\n")); j >= 0 && (i < 0 || j < i) {
			return nil, errSlowPath
		}
		if i >= 0 {
			return b[:i+3], nil
		}
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return nil, errSlowPath
			}
			if err == io.EOF && len(b) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if br.Buffered() > n {
			// More arrived with the last read: look at it before blocking.
			n = br.Buffered()
			continue
		}
		if n == br.Size() {
			return nil, errSlowPath
		}
		n++
	}
}

// parseLength accepts only plain decimal digits (no sign), as a
// Content-Length must be.
func parseLength(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// validValue rejects control characters other than tab (RFC 9110 §5.5),
// as net/textproto and httpguts.ValidHeaderFieldValue do. Every request
// and response header passes here, so eight bytes are looked at a time:
// a word without a byte below 0x20 or equal to 0x7f is valid as a whole
// (obs-text, 0x80 and up, is allowed); only words with one, such as a
// tab, are looked at byte by byte.
func validValue(v string) bool {
	i := 0
	for ; i+8 <= len(v); i += 8 {
		w := uint64(v[i]) | uint64(v[i+1])<<8 | uint64(v[i+2])<<16 | uint64(v[i+3])<<24 |
			uint64(v[i+4])<<32 | uint64(v[i+5])<<40 | uint64(v[i+6])<<48 | uint64(v[i+7])<<56
		if mayHaveCTL(w) && !validValueBytes(v[i:i+8]) {
			return false
		}
	}
	return validValueBytes(v[i:])
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// mayHaveCTL reports whether a byte of w is below 0x20 or 0x7f: the
// classic test for a byte below n, (w - n·lowBits) &^ w & highBits, is
// exact as a whole for n ≤ 0x80, and 0x7f is a zero byte of w^0x7f…7f.
func mayHaveCTL(w uint64) bool {
	del := w ^ (0x7f * lowBits)
	return ((w-0x20*lowBits)&^w|(del-lowBits)&^del)&highBits != 0
}

func validValueBytes(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func indexByteString(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func cutComma(s string) (before, after string, found bool) {
	if i := indexByteString(s, ','); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// connectionClose applies HTTP/1.x persistence rules: 1.1 keeps the
// connection unless "close" is listed, 1.0 closes unless "keep-alive" is.
func connectionClose(h http.Header, minor int) bool {
	keep, closeTok := false, false
	for _, v := range h["Connection"] {
		for v != "" {
			var tok string
			tok, v, _ = cutComma(v)
			tok = textproto.TrimString(tok)
			switch {
			case asciiEqualFold(tok, "close"):
				closeTok = true
			case asciiEqualFold(tok, "keep-alive"):
				keep = true
			}
		}
	}
	if closeTok {
		return true
	}
	return minor == 0 && !keep
}

// clBody reads a body of known length.
type clBody struct {
	br *bufio.Reader
	n  int64
}

func (b *clBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.br.Read(p)
	b.n -= int64(n)
	if b.n == 0 {
		return n, io.EOF
	}
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *clBody) Close() error { return nil }

// chunkedBody decodes a chunked body and reads the trailer section after
// the last chunk into the response's Trailer.
type chunkedBody struct {
	r   io.Reader
	br  *bufio.Reader
	rsp *http.Response
}

func (b *chunkedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		tr, terr := readTrailer(b.br)
		if terr != nil {
			return n, terr
		}
		switch {
		case tr == nil:
		case b.rsp.Trailer == nil:
			b.rsp.Trailer = tr
		default:
			for k, v := range tr {
				b.rsp.Trailer[k] = v
			}
		}
	}
	return n, err
}

var errBadTrailer = errors.New("malformed trailer after chunked body")

// readTrailer reads the trailer section after the last chunk. It must end
// with an empty CRLF line within the reader's buffer.
func readTrailer(br *bufio.Reader) (http.Header, error) {
	buf, err := br.Peek(2)
	if len(buf) == 2 && buf[0] == '\r' && buf[1] == '\n' {
		_, _ = br.Discard(2)
		return nil, nil
	}
	if len(buf) < 2 {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	for size := 4; ; size++ {
		b, err := br.Peek(size)
		if bytes.HasSuffix(b, []byte("\r\n\r\n")) {
			break
		}
		if err != nil {
			return nil, errBadTrailer
		}
	}
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return nil, err
	}
	return http.Header(h), nil
}

func (b *chunkedBody) Close() error { return nil }
