package routing

import "strings"

// exactHost reports the one string a Host regexp matches when the regexp is
// an anchored literal: "^" then literal characters, escaped punctuation
// ("\.") or one-character classes ("[.]"), then "$". Such regexps are
// compared as strings and indexed by host. Anything else (flags, groups,
// alternations, unescaped dots) is left to the regexp engine.
//
// Without flags RE2's "^" and "$" anchor at the start and end of the text,
// so the regexp matches exactly the literal: no port, no other case.
func exactHost(rx string) (string, bool) {
	if len(rx) < 2 || rx[0] != '^' || rx[len(rx)-1] != '$' {
		return "", false
	}
	body := rx[1 : len(rx)-1]
	if strings.IndexAny(body, `\[`) < 0 {
		// The common unescaped form: every byte must be a plain literal.
		for i := 0; i < len(body); i++ {
			if !plainLiteral(body[i]) {
				return "", false
			}
		}
		return body, true
	}
	var b strings.Builder
	b.Grow(len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case plainLiteral(c):
			b.WriteByte(c)
		case c == '\\':
			if i+1 >= len(body) || !escapablePunct(body[i+1]) {
				return "", false
			}
			b.WriteByte(body[i+1])
			i++
		case c == '[':
			if i+2 >= len(body) || body[i+2] != ']' || !classSingle(body[i+1]) {
				return "", false
			}
			b.WriteByte(body[i+1])
			i += 2
		default:
			return "", false
		}
	}
	return b.String(), true
}

// plainLiteral is a byte that stands for itself in RE2 syntax outside a
// character class and can appear in a Host header.
func plainLiteral(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', ':', '~', '%', '@', '!', ',', ';', '=', '&', '/', '\'':
		return true
	}
	return false
}

// escapablePunct is a byte that "\" turns into a literal in RE2 (ASCII
// punctuation; "\d" and friends are classes).
func escapablePunct(c byte) bool {
	return c > ' ' && c < 0x7f && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9')
}

// classSingle is a byte x for which "[x]" is a class of exactly x.
func classSingle(c byte) bool {
	return c > ' ' && c < 0x7f && c != '^' && c != '\\' && c != ']' && c != '[' && c != '-'
}
