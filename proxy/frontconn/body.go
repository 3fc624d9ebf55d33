package frontconn

import (
	"errors"

	"github.com/skiff-proxy/skiff/proxy/internal/httpsyntax"
)

// Phases of a connection's byte stream.
const (
	phHead    = iota // a request head, or nothing yet
	phPreface        // the first bytes, maybe the HTTP/2 preface (Config.H2C)
	phLength         // a Content-Length body
	phChunked        // a chunked body
	phPass           // not HTTP/1 any more: bytes go through untouched
)

// States inside a chunked body (RFC 9112 §7.1).
const (
	csSize   = iota // chunk-size hex digits
	csSizeWS        // whitespace after them
	csExt           // chunk extensions, up to CR
	csLF            // the LF ending a chunk-size line
	csData          // chunk data
	csDataCR        // the CRLF after chunk data
	csDataLF
	csTrStart // start of a trailer line
	csTrCR    // CR at the start of a trailer line
	csTrName  // trailer field name
	csTrValue // trailer field value
	csTrLF    // the LF after a CR in a trailer value
)

// Limits of net/http's chunked reader: a chunk-size line must fit, LF
// included, in the 4 KiB bufio.Reader of the connection, and so must the
// trailer section.
const (
	maxChunkLine = 4096
	maxTrailer   = 4096
	maxExcess    = 16 << 10
)

// preface is the HTTP/2 connection preface (RFC 9113 §3.4).
const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// framer follows the framing of the byte stream of one connection.
type framer struct {
	phase     int
	afterPost bool // the last head was a POST's
	heads     int  // heads passed so far
	prefaced  int  // bytes matching the preface so far
	h         headScan

	left   uint64 // bytes left of a Content-Length body or of a chunk
	cs     int
	line   int // bytes of the current chunk-size line, or of the trailer
	digits int
	size   uint64
	excess int64
}

// Framing errors: the body is not what net/http accepts, and the guard
// fails the connection at the byte where net/http would stop, so that not
// even a connection net/http keeps open after a body error (a handler in
// full-duplex mode) can read on past it.
var (
	errChunkLine  = errors.New("frontconn: malformed chunk-size line")
	errChunkLong  = errors.New("frontconn: chunk-size line too long")
	errChunkCRLF  = errors.New("frontconn: chunk data not followed by CRLF")
	errChunkNoise = errors.New("frontconn: chunked encoding contains too much non-data")
	errTrailer    = errors.New("frontconn: malformed trailer section")
	errTrailerBig = errors.New("frontconn: trailer section too long")
)

// process goes on with the framing over b, the bytes that follow those
// already passed on, and returns how many of them may be passed on now.
// It stops short at the start of a head that b does not hold in full
// (c.need), at a head it refuses (c.pend) or at a framing error (c.perr).
func (c *Conn) process(b []byte) int {
	f := &c.f
	i := 0
	for {
		switch f.phase {
		case phPass:
			return len(b)

		case phPreface:
			for f.prefaced < len(preface) && i+f.prefaced < len(b) {
				if b[i+f.prefaced] != preface[f.prefaced] {
					f.phase = phHead
					break
				}
				f.prefaced++
			}
			if f.phase == phHead {
				continue
			}
			if f.prefaced == len(preface) {
				f.phase = phPass
				return len(b)
			}
			c.need = true
			return i

		case phHead:
			if i == len(b) {
				return i
			}
			n, r := f.h.scan(b[i:], c.s, f.afterPost)
			if r != nil {
				c.pend = r
				return i
			}
			if n == 0 {
				c.need = true
				return i
			}
			if c.onHead != nil {
				c.onHead(b[i+f.h.start : i+n])
			}
			if c.strip {
				// The first head of an unparked Conn, at the start of
				// the held bytes (i is 0).
				c.strip = false
				c.skip = i + f.h.start
			}
			i += n
			f.heads++
			f.afterPost = f.h.post
			switch f.h.body {
			case bodyLength:
				f.phase, f.left = phLength, f.h.length
			case bodyChunked:
				f.phase, f.cs, f.line, f.digits, f.size, f.excess = phChunked, csSize, 0, 0, 0, 0
			}
			f.h = headScan{}

		case phLength:
			n := uint64(len(b) - i)
			if n >= f.left {
				n = f.left
				f.phase = phHead
			}
			f.left -= n
			i += int(n)
			if f.phase == phLength {
				return i
			}

		case phChunked:
			n, err := f.chunked(b[i:])
			i += n
			if err != nil {
				c.perr = err
				return i
			}
			if f.phase == phChunked {
				return i
			}
		}
	}
}

// chunked follows a chunked body through b, the same way as net/http's
// chunked reader and its reading of the trailer section. It returns how many bytes belong to
// the body (all of b unless the body ends in it), or the bytes before the
// first one net/http would fail on, with the error.
func (f *framer) chunked(b []byte) (int, error) {
	for i := 0; i < len(b); i++ {
		if f.cs == csData {
			n := uint64(len(b) - i)
			if n > f.left {
				n = f.left
			}
			f.left -= n
			i += int(n) - 1
			if f.left == 0 {
				f.cs = csDataCR
			}
			continue
		}
		c := b[i]
		if f.cs <= csLF {
			// A chunk-size line: chunk-size [ chunk-ext ] CRLF. net/http
			// trims whitespace at the end of the line, cuts at the first
			// ";" and wants 1 to 16 hex digits before it; a bare LF or a
			// CR anywhere but before the LF is an error (RFC 9112 §7.1
			// ends the line with CRLF, and net/http does not extend the
			// bare-LF leniency of §2.2 to it). The LF must be at most
			// the 4096th byte: net/http fails once its buffer is full
			// without one.
			f.line++
			if f.line >= maxChunkLine && c != '\n' {
				return i, errChunkLong
			}
		}
		switch f.cs {
		case csSize:
			switch {
			case unhex[c] != 0xff:
				if f.digits == 16 {
					return i, errChunkLine
				}
				f.digits++
				f.size = f.size<<4 | uint64(unhex[c])
			case f.digits == 0:
				return i, errChunkLine
			case c == ';':
				f.cs = csExt
			case c == ' ' || c == '\t':
				f.cs = csSizeWS
			case c == '\r':
				f.cs = csLF
			default:
				return i, errChunkLine
			}
		case csSizeWS:
			switch c {
			case ' ', '\t':
			case '\r':
				f.cs = csLF
			default:
				return i, errChunkLine
			}
		case csExt:
			switch c {
			case '\r':
				f.cs = csLF
			case '\n':
				return i, errChunkLine
			}
		case csLF:
			if c != '\n' {
				return i, errChunkLine
			}
			// net/http's guard against senders that pad chunks with
			// extensions, to the same int64 arithmetic; it does not
			// apply to the last chunk.
			f.excess += int64(f.line)
			f.excess -= 16 + (2 * int64(f.size))
			f.excess = max(f.excess, 0)
			if f.size == 0 {
				f.cs, f.line = csTrStart, 0
				break
			}
			if f.excess > maxExcess {
				return i, errChunkNoise
			}
			f.cs, f.left = csData, f.size
		case csDataCR:
			if c != '\r' {
				return i, errChunkCRLF
			}
			f.cs = csDataLF
		case csDataLF:
			if c != '\n' {
				return i, errChunkCRLF
			}
			f.cs, f.line, f.digits, f.size = csSize, 0, 0, 0
		default:
			// The trailer section (RFC 9112 §7.1.2), read by net/textproto
			// like a header section: lines end at LF, the first empty one
			// ends the body. obs-fold is refused (§5.2) rather than
			// followed, and every line must be a valid field line, so
			// that no byte net/http rejects is passed on.
			f.line++
			if f.line > maxTrailer {
				return i, errTrailerBig
			}
			switch f.cs {
			case csTrStart:
				switch {
				case c == '\n':
					f.phase = phHead
					return i + 1, nil
				case c == '\r':
					f.cs = csTrCR
				case httpsyntax.TChar[c]:
					f.cs = csTrName
				default:
					return i, errTrailer
				}
			case csTrCR:
				if c != '\n' {
					return i, errTrailer
				}
				f.phase = phHead
				return i + 1, nil
			case csTrName:
				switch {
				case c == ':':
					f.cs = csTrValue
				case !httpsyntax.TChar[c]:
					return i, errTrailer
				}
			case csTrValue:
				switch {
				case c == '\r':
					f.cs = csTrLF
				case c == '\n':
					f.cs = csTrStart
				case !httpsyntax.ValueByte(c):
					return i, errTrailer
				}
			case csTrLF:
				if c != '\n' {
					return i, errTrailer
				}
				f.cs = csTrStart
			}
		}
	}
	return len(b), nil
}

var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

// directLimit is how much the guard reads at once straight into a
// caller's buffer of n bytes: at most allowance bytes past the end of the
// current body, so that what follows it, the start of the next head,
// always fits the held buffer.
func (f *framer) directLimit(n int) int {
	var ahead uint64
	switch {
	case f.phase == phLength:
		ahead = f.left
	case f.phase == phChunked && f.cs == csData:
		ahead = f.left
	}
	if ahead > uint64(n) {
		return n
	}
	return min(n, int(ahead)+allowance)
}
