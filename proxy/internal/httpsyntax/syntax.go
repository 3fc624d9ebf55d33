// Package httpsyntax holds the byte-level rules of HTTP/1.1 messages that
// skiff's connection guard (frontconn), its HTTP/1.1 server (h1server),
// its backend client (internal/h1) and the proxy's hop-by-hop handling
// apply, each exactly as net/http applies it, so that they can never
// disagree with each other or with net/http.
package httpsyntax

import "golang.org/x/net/http/httpguts"

// TChar is RFC 9110 §5.6.2's token character set, indexed by byte.
var TChar = func() (t [256]bool) {
	for c := range t {
		t[c] = httpguts.IsTokenRune(rune(c))
	}
	return t
}()

// IsToken reports whether b is a non-empty token (RFC 9110 §5.6.2).
func IsToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !TChar[c] {
			return false
		}
	}
	return true
}

// ValueByte reports whether net/http accepts c in a field value:
// visible characters, SP, HTAB and obs-text (RFC 9110 §5.5).
func ValueByte(c byte) bool {
	return c == '\t' || (c >= 0x20 && c != 0x7f)
}

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// ParseLength parses a Content-Length value as net/http does, with
// strconv.ParseUint(s, 10, 63): digits only, at most 2⁶³−1.
func ParseLength[T ~string | ~[]byte](s T) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !IsDigit(c) || n > (1<<63-1)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > 1<<63-1 {
			return 0, false
		}
	}
	return int64(n), true
}

// CanonicalKey returns the canonical form of the field name, as
// net/textproto makes it: the first letter and every letter after a
// hyphen upper case, the others lower case. ok is false when name is not
// a token. The result is common's entry for a listed name, name itself
// when it is canonical already, and a new string only otherwise, so that
// the names messages usually carry cost no allocation. buf is scratch
// space; a name longer than its capacity gets a buffer of its own.
func CanonicalKey(name string, common map[string]string, buf []byte) (key string, ok bool) {
	if len(name) == 0 {
		return "", false
	}
	if cap(buf) < len(name) {
		buf = make([]byte, len(name))
	}
	c := buf[:len(name)]
	upper, same := true, true
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !TChar[ch] {
			return "", false
		}
		switch {
		case upper && 'a' <= ch && ch <= 'z':
			ch -= 'a' - 'A'
		case !upper && 'A' <= ch && ch <= 'Z':
			ch += 'a' - 'A'
		}
		same = same && ch == name[i]
		c[i] = ch
		upper = ch == '-'
	}
	if k, ok := common[string(c)]; ok {
		return k, true
	}
	if same {
		return name, true
	}
	return string(c), true
}
