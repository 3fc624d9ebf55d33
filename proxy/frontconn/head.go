package frontconn

import (
	"bytes"
	"net/http"

	"github.com/skiff-proxy/skiff/proxy/internal/httpsyntax"
)

// What a complete head says about the body that follows it.
const (
	bodyNone = iota
	bodyLength
	bodyChunked
)

// headScan is the progress of the guard through one request head. All
// offsets are from the first byte of the head, which is where every call
// of scan starts, however the bytes moved in between.
//
// The head is split into lines at LF, a CR before the LF being part of
// the line ending, exactly as net/textproto reads it (RFC 9112 §2.2 lets
// a recipient accept a bare LF; net/http does, so the guard must too, or
// the two would disagree on where the head ends).
type headScan struct {
	started  bool
	start    int // the request line, after CR/LF skipped after a POST
	scanned  int // end of the last complete line
	searched int // how far the current line was searched for its LF
	lines    int // complete lines; 0 while the request line is incomplete

	http10 bool // HTTP/1.0: Transfer-Encoding is ignored by net/http
	post   bool

	nCL, clOff, clLen int
	clDiffer          bool
	nTE, teOff, teLen int

	// Set when the head is complete.
	body   int
	length uint64
}

// refusal is why a head is not passed on: the status to answer and a
// reason for the debug log.
type refusal struct {
	status int
	reason string
}

// scan goes on reading the head at the start of b. It returns the length
// of the head once it is complete and valid, 0 while more bytes are
// needed, or a refusal.
func (h *headScan) scan(b []byte, s *settings, afterPost bool) (int, *refusal) {
	if !h.started {
		start := 0
		if afterPost {
			// net/http skips up to 4 CR or LF bytes after a POST body
			// (a tolerance for old buggy clients),
			// deciding on the first 4 bytes it can peek.
			for start < len(b) && start < 4 && (b[start] == '\r' || b[start] == '\n') {
				start++
			}
			if start == len(b) && start < 4 {
				return 0, nil
			}
		}
		h.started = true
		h.start, h.scanned, h.searched = start, start, start
	}
	for {
		j := bytes.IndexByte(b[h.searched:], '\n')
		if j < 0 {
			h.searched = len(b)
			// +1: a CR at the end may be the start of the line ending.
			if h.lines == 0 && len(b)-h.scanned > s.maxLine+1 {
				return 0, errLineTooLong
			}
			if len(b) > s.maxHead {
				return 0, errHeadTooLarge
			}
			return 0, nil
		}
		start, end := h.scanned, h.searched+j
		h.scanned, h.searched = end+1, end+1
		line := b[start:end]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if h.lines == 0 && len(line) > s.maxLine {
			return 0, errLineTooLong
		}
		if h.scanned > s.maxHead {
			return 0, errHeadTooLarge
		}
		var r *refusal
		switch {
		case h.lines == 0:
			r = h.requestLine(line)
		case len(line) == 0:
			if r = h.framing(b); r != nil {
				return 0, r
			}
			return h.scanned, nil
		default:
			r = h.field(b, start, line)
		}
		if r != nil {
			return 0, r
		}
		h.lines++
	}
}

var (
	errLineTooLong  = &refusal{http.StatusRequestURITooLong, "request line too long"}
	errHeadTooLarge = &refusal{http.StatusRequestHeaderFieldsTooLarge, "request head too large"}
	errRequestLine  = &refusal{http.StatusBadRequest, "malformed request line"}
	errVersion      = &refusal{http.StatusHTTPVersionNotSupported, "HTTP version other than 1.x"}
	errObsFold      = &refusal{http.StatusBadRequest, "obs-fold or whitespace at the start of a field line"}
	errNoColon      = &refusal{http.StatusBadRequest, "field line without colon"}
	errNameSpace    = &refusal{http.StatusBadRequest, "whitespace between field name and colon"}
	errName         = &refusal{http.StatusBadRequest, "invalid field name"}
	errValue        = &refusal{http.StatusBadRequest, "invalid field value"}
	errTE10         = &refusal{http.StatusBadRequest, "Transfer-Encoding in an HTTP/1.0 request"}
	errCLTE         = &refusal{http.StatusBadRequest, "both Content-Length and Transfer-Encoding"}
	errTE           = &refusal{http.StatusBadRequest, "Transfer-Encoding other than a single chunked"}
	errCLDiffer     = &refusal{http.StatusBadRequest, "Content-Length field lines that differ"}
	errCL           = &refusal{http.StatusBadRequest, "invalid Content-Length"}
	errBudget       = &refusal{http.StatusServiceUnavailable, "request head memory budget spent"}
)

// requestLine checks the request line the way net/http parses it: method
// up to the first space, target up to the next, the rest the version.
// The target does not matter to the framing; net/http checks it itself.
func (h *headScan) requestLine(line []byte) *refusal {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return errRequestLine
	}
	method, rest := line[:sp], line[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp < 0 || !httpsyntax.IsToken(method) {
		return errRequestLine
	}
	v := rest[sp+1:]
	if len(v) != len("HTTP/1.1") || string(v[:5]) != "HTTP/" || !httpsyntax.IsDigit(v[5]) || v[6] != '.' || !httpsyntax.IsDigit(v[7]) {
		return errRequestLine
	}
	// net/http answers 505 to any major version but 1, except
	// "PRI * HTTP/2.0", the start of the HTTP/2 preface, which it hands
	// to the handler; here it is refused too: a client that sends it
	// expects HTTP/2, which this connection does not serve (see Config.H2C).
	if v[5] != '1' {
		return errVersion
	}
	h.http10 = v[7] == '0'
	h.post = string(method) == "POST"
	return nil
}

// field checks one field line, starting at off in b, as net/textproto and
// net/http read it, and notes the fields that frame the body.
func (h *headScan) field(b []byte, off int, line []byte) *refusal {
	// RFC 9112 §5.2: a server must reject obs-fold (or replace it, which
	// net/http does by unfolding). A line starting with whitespace right
	// after the request line is refused by net/http too.
	if line[0] == ' ' || line[0] == '\t' {
		return errObsFold
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return errNoColon
	}
	name := line[:colon]
	if len(name) == 0 {
		return errName
	}
	for _, c := range name {
		if !httpsyntax.TChar[c] {
			// RFC 9112 §5.1: no whitespace is allowed between the field
			// name and the colon; net/textproto keeps such a name
			// apart ("Content-Length " is not Content-Length).
			if c == ' ' || c == '\t' {
				return errNameSpace
			}
			return errName
		}
	}
	v := line[colon+1:]
	for _, c := range v {
		if !httpsyntax.ValueByte(c) {
			return errValue
		}
	}
	lo, hi := 0, len(v)
	for lo < hi && (v[lo] == ' ' || v[lo] == '\t') {
		lo++
	}
	for hi > lo && (v[hi-1] == ' ' || v[hi-1] == '\t') {
		hi--
	}
	voff := off + colon + 1 + lo
	switch {
	case equalFold(name, "content-length"):
		h.nCL++
		if h.nCL == 1 {
			h.clOff, h.clLen = voff, hi-lo
		} else if !bytes.Equal(b[h.clOff:h.clOff+h.clLen], v[lo:hi]) {
			h.clDiffer = true
		}
	case equalFold(name, "transfer-encoding"):
		h.nTE++
		if h.nTE == 1 {
			h.teOff, h.teLen = voff, hi-lo
		}
	}
	return nil
}

// framing decides, at the end of the head, how the body is delimited
// (RFC 9112 §6.3), refusing every head whose framing a Content-Length
// framing front proxy could read differently from net/http.
func (h *headScan) framing(b []byte) *refusal {
	if h.nTE > 0 {
		// RFC 9112 §6.1: a recipient of an HTTP/1.0 message with
		// Transfer-Encoding must treat the framing as faulty; net/http
		// ignores the field and reads the chunks as the next request.
		if h.http10 {
			return errTE10
		}
		// RFC 9112 §6.1 and §6.3 (3): both fields may be an attempt to
		// smuggle a request; net/http drops Content-Length and goes on.
		if h.nCL > 0 {
			return errCLTE
		}
		// RFC 9112 §6.3 (4): chunked not the final coding means the length
		// cannot be known: 400 and close. For a coding before a final
		// chunked ("gzip, chunked"), which §6.1 lets a server answer 501,
		// net/http has no decoder either; the guard answers 400 to every
		// Transfer-Encoding but a single "chunked", one rule for all.
		if h.nTE > 1 || !equalFold(b[h.teOff:h.teOff+h.teLen], "chunked") {
			return errTE
		}
		h.body = bodyChunked
		return nil
	}
	if h.nCL > 0 {
		// RFC 9112 §6.3 (5). Field lines that repeat the same value are
		// accepted, as net/http does: both a
		// front proxy and net/http can only read that one length. A list
		// ("42, 42") is refused, by net/http as well.
		if h.clDiffer {
			return errCLDiffer
		}
		n, ok := httpsyntax.ParseLength(b[h.clOff : h.clOff+h.clLen])
		if !ok {
			return errCL
		}
		if n > 0 {
			h.body, h.length = bodyLength, uint64(n)
		}
	}
	return nil
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
