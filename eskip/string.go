package eskip

import (
	"encoding"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// PrettyPrintInfo selects the layout of printed routes. With Pretty set,
// every filter and the backend go on their own line, indented by IndentStr,
// and routes are separated by a blank line. Tools use two spaces.
type PrettyPrintInfo struct {
	Pretty    bool
	IndentStr string
}

// ErrMissingId is returned by Fprint for a route without id in a document of
// several routes: such a document cannot be written as valid eskip.
var ErrMissingId = errors.New("eskip: a route without id can only be printed alone")

// String returns the route expression in canonical compact form, without
// the id: predicates -> filters -> backend.
func (r *Route) String() string {
	var b strings.Builder
	writeExpr(&b, r, PrettyPrintInfo{})
	return b.String()
}

// String prints routes as a compact document: one "id: expression;" per
// line. A single route without id prints as its bare expression.
func String(routes ...*Route) string {
	return Print(PrettyPrintInfo{}, routes...)
}

// Print prints routes as a document in the layout chosen by info. It does
// not fail: a route without id among several is written as ": expr;" as
// skipper does, which is not valid eskip; Fprint rejects that instead.
func Print(info PrettyPrintInfo, routes ...*Route) string {
	var b strings.Builder
	writeDoc(&b, info, routes)
	return b.String()
}

// Fprint writes routes to w like Print, followed by a newline when there is
// at least one route. It returns ErrMissingId when a document of several
// routes contains one without id.
func Fprint(w io.Writer, info PrettyPrintInfo, routes ...*Route) error {
	if len(routes) > 1 {
		for _, r := range routes {
			if r.Id == "" {
				return ErrMissingId
			}
		}
	}
	if len(routes) == 0 {
		return nil
	}
	var b strings.Builder
	writeDoc(&b, info, routes)
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDoc(b *strings.Builder, info PrettyPrintInfo, routes []*Route) {
	if len(routes) == 1 && routes[0].Id == "" {
		writeExpr(b, routes[0], info)
		return
	}
	for i, r := range routes {
		if i > 0 {
			b.WriteByte('\n')
			if info.Pretty {
				b.WriteByte('\n')
			}
		}
		b.WriteString(r.Id)
		b.WriteString(": ")
		writeExpr(b, r, info)
		b.WriteByte(';')
	}
}

func writeExpr(b *strings.Builder, r *Route, info PrettyPrintInfo) {
	sep := " -> "
	if info.Pretty {
		sep = "\n" + info.IndentStr + "-> "
	}
	writePredicates(b, r)
	for _, f := range r.Filters {
		b.WriteString(sep)
		writeCall(b, f.Name, f.Args)
	}
	b.WriteString(sep)
	writeBackend(b, r)
}

func writePredicates(b *strings.Builder, r *Route) {
	n := 0
	and := func() {
		if n > 0 {
			b.WriteString(" && ")
		}
		n++
	}
	if r.Path != "" {
		and()
		b.WriteString(`Path(`)
		writeString(b, r.Path)
		b.WriteByte(')')
	}
	for _, h := range r.HostRegexps {
		and()
		b.WriteString("Host(")
		writeRegexp(b, h)
		b.WriteByte(')')
	}
	for _, p := range r.PathRegexps {
		and()
		b.WriteString("PathRegexp(")
		writeRegexp(b, p)
		b.WriteByte(')')
	}
	if r.Method != "" {
		and()
		b.WriteString("Method(")
		writeString(b, r.Method)
		b.WriteByte(')')
	}
	// Map order is random: header predicates are printed sorted.
	sorted := func(hs []string) {
		sort.Strings(hs)
		for _, h := range hs {
			and()
			b.WriteString(h)
		}
	}
	if len(r.Headers) > 0 {
		hs := make([]string, 0, len(r.Headers))
		for k, v := range r.Headers {
			hs = append(hs, headerCall("Header(", k, v, writeString))
		}
		sorted(hs)
	}
	if len(r.HeaderRegexps) > 0 {
		var hs []string
		for k, vs := range r.HeaderRegexps {
			for _, v := range vs {
				hs = append(hs, headerCall("HeaderRegexp(", k, v, writeRegexp))
			}
		}
		sorted(hs)
	}
	for _, p := range r.Predicates {
		if p.Name == "Any" {
			continue
		}
		and()
		writeCall(b, p.Name, p.Args)
	}
	if n == 0 {
		b.WriteByte('*')
	}
}

// headerCall renders open key, value) with the value written by writeValue.
func headerCall(open, key, value string, writeValue func(*strings.Builder, string)) string {
	var b strings.Builder
	b.WriteString(open)
	writeString(&b, key)
	b.WriteString(", ")
	writeValue(&b, value)
	b.WriteByte(')')
	return b.String()
}

func writeCall(b *strings.Builder, name string, args []any) {
	b.WriteString(name)
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		writeArg(b, a)
	}
	b.WriteByte(')')
}

func writeBackend(b *strings.Builder, r *Route) {
	switch r.BackendType {
	case ShuntBackend:
		b.WriteString("<shunt>")
	case LoopBackend:
		b.WriteString("<loopback>")
	case DynamicBackend:
		b.WriteString("<dynamic>")
	case ForwardBackend:
		b.WriteString("<forward>")
	case LBBackend:
		b.WriteByte('<')
		if r.LBAlgorithm != "" {
			b.WriteString(r.LBAlgorithm)
			b.WriteString(", ")
		}
		for i, ep := range r.LBEndpoints {
			if i > 0 {
				b.WriteString(", ")
			}
			writeString(b, endpointAddress(ep))
		}
		b.WriteByte('>')
	default:
		writeString(b, r.Backend)
	}
}

// infDigits is a number literal too large for float64: it parses back as
// infinity, which eskip has no other way to write.
var infDigits = "1" + strings.Repeat("0", 309)

func writeArg(b *strings.Builder, a any) {
	switch v := a.(type) {
	case float64:
		writeNumber(b, v)
	case string:
		writeString(b, v)
	case float32:
		writeNumber(b, float64(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case int32:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	case uint:
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	case uint64:
		b.WriteString(strconv.FormatUint(v, 10))
	case encoding.TextMarshaler:
		t, err := v.MarshalText()
		if err != nil {
			writeString(b, "[error]")
			return
		}
		writeString(b, string(t))
	default:
		writeString(b, fmt.Sprintf("%v", v))
	}
}

// writeNumber prints integral values without fraction and others in the
// shortest decimal form that parses back to the same float64. Unlike Go's
// %g it never uses an exponent, which eskip cannot read.
func writeNumber(b *strings.Builder, f float64) {
	switch {
	case math.IsInf(f, 1):
		b.WriteString(infDigits)
	case math.IsInf(f, -1):
		b.WriteByte('-')
		b.WriteString(infDigits)
	case math.IsNaN(f):
		writeString(b, "NaN")
	case f == math.Trunc(f):
		b.WriteString(strconv.FormatFloat(f, 'f', 0, 64))
	default:
		b.WriteString(strconv.FormatFloat(f, 'f', -1, 64))
	}
}

func escapeControl(b *strings.Builder, c byte) bool {
	switch c {
	case '\a':
		b.WriteString(`\a`)
	case '\b':
		b.WriteString(`\b`)
	case '\f':
		b.WriteString(`\f`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	case '\v':
		b.WriteString(`\v`)
	default:
		return false
	}
	return true
}

func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '"':
			b.WriteString(`\"`)
		case escapeControl(b, c):
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// writeRegexp prints a lifted regexp value as a /.../ literal. A value that
// such a literal cannot carry unchanged (control characters, which regexp
// literals have no escapes for, or brackets that would swallow the closing
// slash) is printed as a string literal instead: after parsing both are the
// same string.
func writeRegexp(b *strings.Builder, s string) {
	if !regexpLiteralOK(s) {
		writeString(b, s)
		return
	}
	b.WriteByte('/')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '/':
			b.WriteString(`\/`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('/')
}

// regexpLiteralOK tells whether s survives printing as a regexp literal and
// reading back: no control characters and no '[' left open at the end, since
// an open bracket group would hide the closing '/'.
func regexpLiteralOK(s string) bool {
	if s == "" {
		// "//" would start a comment
		return false
	}
	group := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\a', '\b', '\f', '\n', '\r', '\t', '\v':
			return false
		case '\\':
			// printed as \\, which reads back as one backslash and
			// escapes nothing
		case '[':
			group = true
		case ']':
			group = false
		}
	}
	return !group
}

// argsEqual compares argument lists by value.
func argsEqual(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		switch x := a[i].(type) {
		case float64:
			y, ok := b[i].(float64)
			if !ok || (x != y && !(math.IsNaN(x) && math.IsNaN(y))) {
				return false
			}
		case string:
			y, ok := b[i].(string)
			if !ok || x != y {
				return false
			}
		default:
			if !reflect.DeepEqual(a[i], b[i]) {
				return false
			}
		}
	}
	return true
}
