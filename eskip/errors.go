package eskip

import (
	"errors"
	"fmt"
	"strings"
)

// MaxErrors is how many errors ParseDocument reports for one document
// before it gives up.
const MaxErrors = 10

// ParseError is one error in an eskip document: a syntax error or a
// violation of the rules for the built-in predicates and load-balanced
// backends.
//
// Error returns the positioned form "source:line:col: route "id": msg" when
// Source is set (ParseDocument with a name), and otherwise the message
// skipper's parser gives for the same input (Parse, ParseFilters,
// ParsePredicates), which tools grep for.
type ParseError struct {
	Source  string // document name as given to ParseDocument
	Line    int    // 1-based
	Column  int    // 1-based, in bytes
	Offset  int    // byte offset of the offending token
	RouteId string // id of the route the error is in, if known
	Msg     string // what is wrong, for a person

	compat string
}

// Error implements error; see the type's documentation.
func (e *ParseError) Error() string {
	if e.Source == "" {
		return e.SkipperMessage()
	}
	return e.Positioned()
}

// Positioned returns the error as "source:line:col: route "id": msg", leaving
// out the source and the route when they are not known.
func (e *ParseError) Positioned() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteByte(':')
	}
	fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	if e.RouteId != "" {
		fmt.Fprintf(&b, "route %q: ", e.RouteId)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// SkipperMessage returns the message skipper's eskip parser produces for the
// same error, e.g. "parse failed after token ->, last route id: r1,
// position 12: syntax error" or "duplicate method predicate".
func (e *ParseError) SkipperMessage() string {
	if e.compat == "" {
		return e.Msg
	}
	return e.compat
}

// ErrorList holds every error found in one document, in source order.
type ErrorList []*ParseError

// Error lists the errors, one per line.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find the individual *ParseError values.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Errors returns the *ParseError values inside err: the members of an
// ErrorList, a single *ParseError, or nothing.
func Errors(err error) []*ParseError {
	var l ErrorList
	if errors.As(err, &l) {
		return l
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		return []*ParseError{pe}
	}
	return nil
}

// Render formats err for a person reading a terminal: every *ParseError in
// it in positioned form, followed by the offending source line and a caret
// under the column. text is the document the error is about. Errors that
// carry no position are printed as they are.
func Render(err error, text []byte) string {
	errs := Errors(err)
	if len(errs) == 0 {
		if err == nil {
			return ""
		}
		return err.Error() + "\n"
	}
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Positioned())
		b.WriteByte('\n')
		if e.Line <= 0 || e.Offset > len(text) {
			continue
		}
		start := e.Offset - (e.Column - 1)
		if start < 0 {
			start = 0
		}
		end := start
		for end < len(text) && text[end] != '\n' {
			end++
		}
		line := strings.TrimRight(string(text[start:end]), "\r")
		b.WriteString("    ")
		b.WriteString(line)
		b.WriteString("\n    ")
		// Keep tabs so that the caret lines up with the text above.
		for i := start; i < e.Offset && i < len(text); i++ {
			if text[i] == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString("^\n")
	}
	return b.String()
}

// lineCol returns the 1-based line and byte column of offset off in src.
func lineCol(src string, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line = 1 + strings.Count(src[:off], "\n")
	col = off - (strings.LastIndexByte(src[:off], '\n') + 1) + 1
	return line, col
}
