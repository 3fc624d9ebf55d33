package registration

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinels a DecodeError unwraps to, so that a caller can count rejections
// by class.
var (
	// ErrSyntax: the payload is not one well-formed JSON value.
	ErrSyntax = errors.New("payload is not well-formed JSON")
	// ErrType: a value has the wrong JSON type, or is a number out of the
	// field's range (§3.1 rule 3).
	ErrType = errors.New("value of the wrong JSON type or range")
	// ErrValue: the message decoded but fails a check on its values
	// (route_service_url, §3.1 rule 5; empty host, §3.2), or an option's
	// value cannot be used (§3.4).
	ErrValue = errors.New("value refused")
)

// DecodeError says why a payload, or one of its options, was refused. It
// names no subject and does not repeat the payload: the caller logs those
// next to it (validation-error, §3.1 rule 6).
type DecodeError struct {
	// Field is the key the error is about, spelt as in §3 whatever case
	// the payload used, with an element or tag where one is at fault:
	// "port", "uris[2]", "tags.component", "options.hash_balance". Empty
	// for the payload as a whole, as for a syntax error.
	Field string
	// Expected is what the rule asks for there, e.g. "an integer
	// 0-65535".
	Expected string
	// Got describes what was found, e.g. `string "8080"`, "number 70000",
	// "end of payload"; long values are cut short.
	Got string
	// Offset is the byte offset in the payload of the offending value or
	// character, or -1 for a check on the decoded message as a whole.
	Offset int
	// Err is ErrSyntax, ErrType or ErrValue.
	Err error
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("registration message: ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString("expected ")
	b.WriteString(e.Expected)
	if e.Got != "" {
		b.WriteString(", got ")
		b.WriteString(e.Got)
	}
	if e.Offset >= 0 {
		b.WriteString(" at byte ")
		b.WriteString(strconv.Itoa(e.Offset))
	}
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// maxGot bounds how much of a bad value an error repeats: the payload is
// logged in full next to it anyway.
const maxGot = 40

// describe names the JSON value (or stray character) that starts at s[i:],
// for DecodeError.Got. raw is the value's text when the caller has scanned
// it, else empty.
func describe(s string, i int, raw string) string {
	if i >= len(s) {
		return "end of payload"
	}
	kind := ""
	switch c := s[i]; {
	case c == '"':
		kind = "string"
	case c == '-' || c >= '0' && c <= '9':
		kind = "number"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == 't', c == 'f', c == 'n':
		kind = "literal"
	case c >= 0x20 && c < 0x7f:
		return "character " + strconv.QuoteRune(rune(c))
	default:
		return "byte 0x" + strconv.FormatUint(uint64(c), 16)
	}
	if raw == "" {
		return kind
	}
	raw = clip(raw)
	if kind == "literal" {
		return raw
	}
	return kind + " " + raw
}

// gotString describes a decoded string value for DecodeError.Got.
func gotString(v string) string {
	q := strconv.Quote(v)
	return describe(q, 0, q)
}

// clip cuts a long text short, on a character boundary.
func clip(s string) string {
	if len(s) <= maxGot {
		return s
	}
	n := maxGot
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
