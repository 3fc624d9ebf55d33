package template

import (
	"net/textproto"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
)

type kind uint8

const (
	literal kind = iota
	method
	host
	path
	rawQuery
	query
	header
	cookie
	source
	sourceFromLast
	clientIP
	responseHeader
	pathParam
)

// part is one literal run or one placeholder; name holds the literal text,
// or the key the placeholder looks up (already canonical for headers).
type part struct {
	kind kind
	name string
}

// Template is a parsed template string. It is immutable and safe for
// concurrent use.
type Template struct {
	raw   string
	parts []part
	// litLen is the total length of the literal parts, used to size the
	// output buffer.
	litLen int
}

// New parses s. Every `${name}` whose name contains neither `{` nor `}` is
// a placeholder; anything else is literal text, so parsing cannot fail.
func New(s string) *Template {
	t := &Template{raw: s}
	lit := 0 // start of the pending literal
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "${")
		if j < 0 {
			break
		}
		start := i + j
		end := -1
		for k := start + 2; k < len(s); k++ {
			if s[k] == '{' {
				break
			}
			if s[k] == '}' {
				end = k
				break
			}
		}
		if end < 0 || end == start+2 {
			// Not a placeholder; an inner `{` may still start one.
			i = start + 1
			continue
		}
		if start > lit {
			t.addLiteral(s[lit:start])
		}
		t.parts = append(t.parts, parsePlaceholder(s[start+2:end]))
		i = end + 1
		lit = i
	}
	if lit < len(s) {
		t.addLiteral(s[lit:])
	}
	return t
}

func (t *Template) addLiteral(s string) {
	t.parts = append(t.parts, part{kind: literal, name: s})
	t.litLen += len(s)
}

func parsePlaceholder(key string) part {
	if name, ok := strings.CutPrefix(key, "request.header."); ok {
		return part{kind: header, name: textproto.CanonicalMIMEHeaderKey(name)}
	}
	if name, ok := strings.CutPrefix(key, "request.query."); ok {
		return part{kind: query, name: name}
	}
	if name, ok := strings.CutPrefix(key, "request.cookie."); ok {
		return part{kind: cookie, name: name}
	}
	if name, ok := strings.CutPrefix(key, "response.header."); ok {
		return part{kind: responseHeader, name: textproto.CanonicalMIMEHeaderKey(name)}
	}
	switch key {
	case "request.method":
		return part{kind: method}
	case "request.host":
		return part{kind: host}
	case "request.path":
		return part{kind: path}
	case "request.rawQuery":
		return part{kind: rawQuery}
	case "request.source":
		return part{kind: source}
	case "request.sourceFromLast":
		return part{kind: sourceFromLast}
	case "request.clientIP":
		return part{kind: clientIP}
	}
	return part{kind: pathParam, name: key}
}

// String returns the template source.
func (t *Template) String() string { return t.raw }

// Static reports whether the template has no placeholders.
func (t *Template) Static() bool {
	for _, p := range t.parts {
		if p.kind != literal {
			return false
		}
	}
	return true
}

// Render returns the template with its placeholders replaced by values from
// ctx. Missing values render as "" and make complete false; callers decide
// whether a partial result is usable.
func (t *Template) Render(ctx filters.FilterContext) (result string, complete bool) {
	switch len(t.parts) {
	case 0:
		return "", true
	case 1:
		p := t.parts[0]
		if p.kind == literal {
			return p.name, true
		}
		v := value(ctx, p)
		return v, v != ""
	}
	var b strings.Builder
	complete = true
	for i, p := range t.parts {
		if p.kind == literal {
			if b.Cap() == 0 {
				b.Grow(t.litLen + 16)
			}
			b.WriteString(p.name)
			continue
		}
		v := value(ctx, p)
		if v == "" {
			complete = false
			continue
		}
		if b.Cap() == 0 {
			b.Grow(t.litLen + len(v) + 16*(len(t.parts)-i-1))
		}
		b.WriteString(v)
	}
	return b.String(), complete
}

func value(ctx filters.FilterContext, p part) string {
	r := ctx.Request()
	switch p.kind {
	case literal:
		return p.name
	case method:
		return r.Method
	case host:
		return r.Host
	case path:
		if r.URL == nil {
			return ""
		}
		return r.URL.Path
	case rawQuery:
		if r.URL == nil {
			return ""
		}
		return r.URL.RawQuery
	case query:
		if r.URL == nil {
			return ""
		}
		return QueryValue(r.URL.RawQuery, p.name)
	case header:
		if v := r.Header[p.name]; len(v) > 0 {
			return v[0]
		}
		return ""
	case cookie:
		return CookieValue(r.Header, p.name)
	case source:
		return Source(r)
	case sourceFromLast:
		return SourceFromLast(r)
	case clientIP:
		return ClientIP(r)
	case responseHeader:
		rsp := ctx.Response()
		if rsp == nil {
			return ""
		}
		if v := rsp.Header[p.name]; len(v) > 0 {
			return v[0]
		}
		return ""
	case pathParam:
		return ctx.PathParam(p.name)
	}
	return ""
}
