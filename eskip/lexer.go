package eskip

import "strings"

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tAnd
	tAny
	tArrow
	tCloseParen
	tColon
	tComma
	tNumber
	tOpenParen
	tRegexp
	tSemicolon
	tShunt
	tLoopback
	tDynamic
	tForward
	tString
	tSymbol
	tOpenArrow
	tCloseArrow
	tError // a lexical error; token.err says which
)

// lexErr is the kind of a lexical error. The texts are the reasons skipper
// puts at the end of its parse error messages.
type lexErr uint8

const (
	lexOK lexErr = iota
	lexUnexpected
	lexIncomplete
	lexInvalidChar
)

func (e lexErr) String() string {
	switch e {
	case lexUnexpected:
		return "unexpected token"
	case lexIncomplete:
		return "incomplete token"
	case lexInvalidChar:
		return "invalid character"
	}
	return ""
}

// token is one lexical token. start and end are byte offsets of its source
// text. Its value is read with lexer.value; tokens hold no pointers so that
// copying them costs no GC write barriers.
type token struct {
	kind    tokKind
	err     lexErr
	quoted  bool // a literal whose value is the text between the delimiters
	decoded bool // a literal with escapes, decoded into lexer.decoded
	start   int
	end     int
}

// lexer turns a document into tokens. It works on bytes: non-ASCII bytes are
// only meaningful inside literals and comments.
type lexer struct {
	src string
	pos int // bytes consumed so far
	// buf is reused to decode literals that contain escapes.
	buf []byte
	// decoded is the value of the last literal with escapes.
	decoded string
}

// value returns the value of t, which must be the last token returned by
// next when it is a decoded literal: the source text, the text between a
// literal's delimiters, or the decoded literal.
func (l *lexer) value(t token) string {
	switch {
	case t.decoded:
		return l.decoded
	case t.quoted:
		return l.src[t.start+1 : t.end-1]
	}
	return l.src[t.start:t.end]
}

func isSpace(c byte) bool {
	switch c {
	case ' ', '\n', '\t', '\v', '\f', '\r', 0x85, 0xA0:
		return true
	}
	return false
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool      { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isSymbolByte(c byte) bool { return isAlpha(c) || isDigit(c) || c == '_' }

// skip advances over whitespace and comments.
func (l *lexer) skip() {
	src := l.src
	i := l.pos
	for i < len(src) {
		c := src[i]
		if isSpace(c) {
			i++
			continue
		}
		if c == '/' && i+1 < len(src) && src[i+1] == '/' {
			nl := strings.IndexByte(src[i+2:], '\n')
			if nl < 0 {
				i = len(src)
			} else {
				i += 2 + nl
			}
			continue
		}
		break
	}
	l.pos = i
}

// singleByte maps the bytes that are tokens by themselves to their kind.
var singleByte = [256]tokKind{
	',': tComma,
	')': tCloseParen,
	'(': tOpenParen,
	':': tColon,
	';': tSemicolon,
	'>': tCloseArrow,
	'*': tAny,
}

var keywordBackends = [...]struct {
	text string
	kind tokKind
}{
	{"<shunt>", tShunt},
	{"<loopback>", tLoopback},
	{"<dynamic>", tDynamic},
	{"<forward>", tForward},
}

// next reads the next token into t. On a lexical error the token has kind tError
// and l.pos is left where skipper's lexer leaves it: before the offending
// byte for unexpected bytes and a lone trailing '/', after the consumed text
// for incomplete tokens.
func (l *lexer) next(t *token) {
	l.skip()
	src := l.src
	start := l.pos
	if start >= len(src) {
		*t = token{kind: tEOF, start: start, end: start}
		return
	}
	c := src[start]
	if k := singleByte[c]; k != tEOF {
		l.pos = start + 1
		*t = token{kind: k, start: start, end: start + 1}
		return
	}
	switch c {
	case '&':
		if start+1 < len(src) && src[start+1] == '&' {
			l.pos = start + 2
			*t = token{kind: tAnd, start: start, end: start + 2}
			return
		}
	case '-':
		if start+1 < len(src) {
			switch n := src[start+1]; {
			case n == '>':
				l.pos = start + 2
				*t = token{kind: tArrow, start: start, end: start + 2}
				return
			case isDigit(n) || n == '.':
				l.number(t, start)
				return
			}
		}
	case '/':
		l.regexp(t, start)
		return
	case '"', '`':
		l.str(t, start, c)
		return
	case '<':
		for _, kw := range keywordBackends {
			if strings.HasPrefix(src[start:], kw.text) {
				end := start + len(kw.text)
				l.pos = end
				*t = token{kind: kw.kind, start: start, end: end}
				return
			}
		}
		l.pos = start + 1
		*t = token{kind: tOpenArrow, start: start, end: start + 1}
		return
	default:
		if isDigit(c) || c == '.' {
			l.number(t, start)
			return
		}
		if isAlpha(c) || c == '_' {
			i := start + 1
			for i < len(src) && isSymbolByte(src[i]) {
				i++
			}
			l.pos = i
			*t = token{kind: tSymbol, start: start, end: i}
			return
		}
	}
	*t = token{kind: tError, err: lexUnexpected, start: start, end: start}
	return
}

// number scans "-"? (digit | ".")+ with at most one ".", not ending in ".".
func (l *lexer) number(t *token, start int) {
	src := l.src
	i := start
	if src[i] == '-' {
		i++
	}
	dot := false
	for i < len(src) {
		c := src[i]
		if c == '.' {
			if dot {
				break
			}
			dot = true
		} else if !isDigit(c) {
			break
		}
		i++
	}
	l.pos = i
	if src[i-1] == '.' {
		*t = token{kind: tError, err: lexIncomplete, start: start, end: i}
		return
	}
	*t = token{kind: tNumber, start: start, end: i}
	return
}

// str scans a string literal delimited by d. Escapes: \a \b \f \n \r \t \v,
// \d (the delimiter) and \\; any other escaped byte keeps its backslash.
func (l *lexer) str(t *token, start int, d byte) {
	src := l.src
	i := start + 1
	// Fast path: no escapes, the value is a slice of the source.
	for i < len(src) {
		c := src[i]
		if c == d {
			l.pos = i + 1
			*t = token{kind: tString, quoted: true, start: start, end: i + 1}
			return
		}
		if c == '\\' {
			break
		}
		i++
	}
	b := append(l.buf[:0], src[start+1:i]...)
	for i < len(src) {
		c := src[i]
		if c == d {
			l.buf = b
			l.pos = i + 1
			l.decoded = string(b)
			*t = token{kind: tString, decoded: true, start: start, end: i + 1}
			return
		}
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(src) {
			break
		}
		e := src[i+1]
		switch e {
		case 'a':
			b = append(b, '\a')
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'v':
			b = append(b, '\v')
		case d, '\\':
			b = append(b, e)
		default:
			b = append(b, '\\', e)
		}
		i += 2
	}
	l.buf = b
	l.pos = len(src)
	*t = token{kind: tError, err: lexIncomplete, start: start, end: len(src)}
	return
}

// regexp scans a regexp literal, or reports a lone '/' at the end of the
// input. Comments were already skipped by skip.
func (l *lexer) regexp(t *token, start int) {
	src := l.src
	if start+1 >= len(src) {
		*t = token{kind: tError, err: lexInvalidChar, start: start, end: start}
		return
	}
	i := start + 1
	group := false
	// Fast path: no escapes.
	for i < len(src) {
		c := src[i]
		if c == '\\' {
			break
		}
		if c == '[' {
			group = true
		} else if c == ']' {
			group = false
		} else if c == '/' && !group {
			l.pos = i + 1
			*t = token{kind: tRegexp, quoted: true, start: start, end: i + 1}
			return
		}
		i++
	}
	b := append(l.buf[:0], src[start+1:i]...)
	escaped := false
	for i < len(src) {
		c := src[i]
		i++
		if escaped {
			if c != '/' && c != '\\' {
				b = append(b, '\\')
			}
			b = append(b, c)
			escaped = false
			continue
		}
		switch {
		case c == '\\':
			escaped = true
			continue
		case c == '[':
			group = true
		case c == ']':
			group = false
		case c == '/' && !group:
			l.buf = b
			l.pos = i
			l.decoded = string(b)
			*t = token{kind: tRegexp, decoded: true, start: start, end: i}
			return
		}
		b = append(b, c)
	}
	l.buf = b
	l.pos = len(src)
	*t = token{kind: tError, err: lexIncomplete, start: start, end: len(src)}
	return
}
