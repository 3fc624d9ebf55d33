package h1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/textproto"

	"github.com/skiff-proxy/skiff/proxy/internal/httpsyntax"
)

// MaxResponseHeaderBytes bounds the status line and header section of a
// backend response, interim (1xx) responses included; the same bound as
// the client side's default -max-header-bytes.
const MaxResponseHeaderBytes = 1 << 20

const noLimit = math.MaxInt64

var errHeaderTooLarge = errors.New("backend response header exceeds 1 MiB")

// HeaderLimitReader is what the bufio.Reader a response is parsed from
// reads through: it fails once a response head grew past its bound, and
// can record the head for the strict checks (RecordHeader). The client
// sets the bound while it reads a response head and lifts it for the
// body, whose size is the backend's business.
type HeaderLimitReader struct {
	r   io.Reader
	n   int64  // bytes left before the bound
	rec []byte // while non-nil, what was read is appended (see RecordHeader)
}

// NewHeaderLimitReader reads from r and fails with an error once
// MaxResponseHeaderBytes were read, until LiftLimit.
func NewHeaderLimitReader(r io.Reader) *HeaderLimitReader {
	return &HeaderLimitReader{r: r, n: MaxResponseHeaderBytes}
}

// LiftLimit ends the bound: the response head was read, the body follows.
func (l *HeaderLimitReader) LiftLimit() { l.n = noLimit }

func (l *HeaderLimitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.rec != nil {
		l.rec = append(l.rec, p[:n]...)
	}
	return n, err
}

// RecordHeader starts keeping a copy of the response header that br (which
// reads from l) is about to parse: what br holds already, then what it
// reads. net/http's parser drops a Connection header that lists "close",
// and with it the names of the other hop-by-hop headers listed there; the
// copy lets RestoreConnection recover them. The header bound applies, so
// the copy is bounded too.
func (l *HeaderLimitReader) RecordHeader(br *bufio.Reader) {
	buffered, _ := br.Peek(br.Buffered())
	l.rec = append(make([]byte, 0, len(buffered)+512), buffered...)
}

// StopRecording returns the recorded bytes and ends the recording.
func (l *HeaderLimitReader) StopRecording() []byte {
	rec := l.rec
	l.rec = nil
	return rec
}

// RestoreConnection puts the Connection header of the raw response head
// back into h, as the fast parser keeps it, so that hop-by-hop removal
// sees every name listed there. raw starts with the status line; the
// scan ends at the blank line that ends the header section.
func RestoreConnection(h http.Header, raw []byte) {
	var vals []string
	inConn := false
	for first := true; len(raw) > 0; first = false {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if first {
			continue // status line
		}
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			// Obsolete line folding continues the previous value.
			if inConn && len(vals) > 0 {
				vals[len(vals)-1] += " " + textproto.TrimString(string(line))
			}
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		inConn = ok && asciiEqualFold(string(name), "Connection")
		if inConn {
			vals = append(vals, textproto.TrimString(string(value)))
		}
	}
	if vals != nil {
		h["Connection"] = vals
	}
}

var (
	errFoldedFraming   = errors.New("obsolete line folding in Content-Length or Transfer-Encoding")
	errStatusTooLow    = errors.New("status code below 100")
	errMalformedHeader = errors.New("malformed header field line")
)

// headerFraming is what checkHeaderBlock saw of the framing fields.
type headerFraming struct {
	contentLength    bool
	transferEncoding bool
}

// CheckHeaderBlock applies the strict checks of checkHeaderBlock to raw,
// the head of a response that http.ReadResponse accepted, as recorded by
// RecordHeader. An error means that the response must be refused as a bad
// one (it is to be wrapped in a *BadResponseError).
func CheckHeaderBlock(raw []byte) error {
	_, err := checkHeaderBlock(raw)
	return err
}

// checkHeaderBlock validates the field lines of a response head that
// http.ReadResponse accepted. raw starts with the status line; the scan
// ends at the blank line that ends the header section. net/http's parser
// accepts, for compatibility, field names with spaces in them ("Content-
// Length : 2" becomes a field named "Content-Length ", and the body is
// then read until the connection closes); RFC 9112 §5.1 forbids
// whitespace between the name and the colon and asks to reject such a
// response, as a proxy must not guess its framing. Every line must be a
// token, a colon and a value without control characters but HTAB
// (RFC 9110 §5.1, §5.5). A line ends with CRLF or a bare LF
// (RFC 9112 §2.2 lets a recipient accept the latter).
//
// Obsolete line folding (RFC 9112 §5.2) is accepted, as net/http does:
// a gateway may replace it with spaces, and net/http does so before the
// value is interpreted, so the proxy and the client see the same field.
// It is refused on Content-Length and Transfer-Encoding, where no server
// needs it and where a fold only serves to hide the framing from one of
// the parsers on the way (RFC 9112 §11.2).
func checkHeaderBlock(raw []byte) (headerFraming, error) {
	var f headerFraming
	_, raw = cutLine(raw) // the status line, parsed by net/http
	framingField, first := false, true
	for len(raw) > 0 {
		var line []byte
		line, raw = cutLine(raw)
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if first {
				return f, malformedLine(line) // nothing to continue
			}
			if framingField {
				return f, errFoldedFraming
			}
			if !validValue(string(line)) {
				return f, malformedLine(line)
			}
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !httpsyntax.IsToken(line[:colon]) || !validValue(string(line[colon+1:])) {
			return f, malformedLine(line)
		}
		name := string(line[:colon])
		first, framingField = false, false
		switch {
		case asciiEqualFold(name, "Content-Length"):
			f.contentLength, framingField = true, true
		case asciiEqualFold(name, "Transfer-Encoding"):
			f.transferEncoding, framingField = true, true
		}
	}
	return f, nil
}

// cutLine splits off the first line of b, without its LF and one CR
// before it, as textproto reads lines.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

func malformedLine(line []byte) error {
	const max = 64
	if len(line) > max {
		line = line[:max]
	}
	return fmt.Errorf("%w: %q", errMalformedHeader, line)
}
