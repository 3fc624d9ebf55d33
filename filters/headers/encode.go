package headers

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// rewriteFilter replaces the first value of one header with what rewrite
// makes of it, as the only value. An empty or absent header is left
// alone. When rewrite fails, or its result is no valid header value, the
// failure is logged and the value kept, or with clearOnError emptied
// (character sets: skipper documents an empty value then).
type rewriteFilter struct {
	name         string
	key          string
	response     bool
	rewrite      func(string) (string, error)
	clearOnError bool
}

func (f *rewriteFilter) Request(ctx filters.FilterContext) {
	if !f.response {
		f.apply(ctx, ctx.Request().Header)
	}
}

func (f *rewriteFilter) Response(ctx filters.FilterContext) {
	if !f.response {
		return
	}
	if rsp := ctx.Response(); rsp != nil && rsp.Header != nil {
		f.apply(ctx, rsp.Header)
	}
}

func (f *rewriteFilter) apply(ctx filters.FilterContext, h http.Header) {
	v := h[f.key]
	if len(v) == 0 || v[0] == "" {
		return
	}
	out, err := f.rewrite(v[0])
	if err == nil && !specargs.ValidHeaderValue(out) {
		// A decoded value may hold CR, LF or other control bytes that
		// would split or break the header block.
		err = errControlByte
	}
	if err != nil {
		ctx.Logger().Warnf("%s: header %s: %v", f.name, f.key, err)
		if !f.clearOnError {
			return
		}
		out = ""
	}
	h[f.key] = []string{out}
}

var errControlByte = errors.New("the result holds a control character, not allowed in a header value")

// charmaps are the character sets encodeRequestHeader and
// encodeResponseHeader accept, by the names skipper accepts: those of the
// variables of golang.org/x/text/encoding/charmap.
var charmaps = map[string]*charmap.Charmap{
	"CodePage037":       charmap.CodePage037,
	"CodePage1047":      charmap.CodePage1047,
	"CodePage1140":      charmap.CodePage1140,
	"CodePage437":       charmap.CodePage437,
	"CodePage850":       charmap.CodePage850,
	"CodePage852":       charmap.CodePage852,
	"CodePage855":       charmap.CodePage855,
	"CodePage858":       charmap.CodePage858,
	"CodePage860":       charmap.CodePage860,
	"CodePage862":       charmap.CodePage862,
	"CodePage863":       charmap.CodePage863,
	"CodePage865":       charmap.CodePage865,
	"CodePage866":       charmap.CodePage866,
	"ISO8859_1":         charmap.ISO8859_1,
	"ISO8859_2":         charmap.ISO8859_2,
	"ISO8859_3":         charmap.ISO8859_3,
	"ISO8859_4":         charmap.ISO8859_4,
	"ISO8859_5":         charmap.ISO8859_5,
	"ISO8859_6":         charmap.ISO8859_6,
	"ISO8859_7":         charmap.ISO8859_7,
	"ISO8859_8":         charmap.ISO8859_8,
	"ISO8859_9":         charmap.ISO8859_9,
	"ISO8859_10":        charmap.ISO8859_10,
	"ISO8859_13":        charmap.ISO8859_13,
	"ISO8859_14":        charmap.ISO8859_14,
	"ISO8859_15":        charmap.ISO8859_15,
	"ISO8859_16":        charmap.ISO8859_16,
	"KOI8R":             charmap.KOI8R,
	"KOI8U":             charmap.KOI8U,
	"Macintosh":         charmap.Macintosh,
	"MacintoshCyrillic": charmap.MacintoshCyrillic,
	"Windows874":        charmap.Windows874,
	"Windows1250":       charmap.Windows1250,
	"Windows1251":       charmap.Windows1251,
	"Windows1252":       charmap.Windows1252,
	"Windows1253":       charmap.Windows1253,
	"Windows1254":       charmap.Windows1254,
	"Windows1255":       charmap.Windows1255,
	"Windows1256":       charmap.Windows1256,
	"Windows1257":       charmap.Windows1257,
	"Windows1258":       charmap.Windows1258,
}

type encodeSpec struct {
	name     string
	response bool
}

func (s encodeSpec) Name() string { return s.name }

func (s encodeSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	key, err := headerName(a, 0, "header name")
	if err != nil {
		return nil, err
	}
	set, err := a.String(1, "character set")
	if err != nil {
		return nil, err
	}
	cm, ok := charmaps[set]
	if !ok {
		return nil, a.Errorf("argument 2 (character set) %q is not one of the names of golang.org/x/text/encoding/charmap (such as Windows1252 or ISO8859_1)", set)
	}
	return &rewriteFilter{
		name: s.name, key: key, response: s.response, clearOnError: true,
		rewrite: func(v string) (string, error) { return encodeCharmap(cm, v) },
	}, nil
}

// encodeCharmap re-encodes the UTF-8 string v in cm, one byte per
// character. A character cm lacks, or a byte that is not UTF-8, fails the
// whole value.
func encodeCharmap(cm *charmap.Charmap, v string) (string, error) {
	var b strings.Builder
	b.Grow(len(v))
	for i, r := range v {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(v[i:]); size == 1 {
				return "", fmt.Errorf("byte %d is not UTF-8", i)
			}
		}
		c, ok := cm.EncodeRune(r)
		if !ok {
			return "", fmt.Errorf("%q cannot be encoded in %s", r, cm)
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

type base64Spec struct {
	name     string
	response bool
	decode   bool
}

func (s base64Spec) Name() string { return s.name }

func (s base64Spec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, 2); err != nil {
		return nil, err
	}
	key, err := headerName(a, 0, "header name")
	if err != nil {
		return nil, err
	}
	code := base64Encode
	if s.decode {
		code = base64Decode
	}
	f := &rewriteFilter{name: s.name, key: key, response: s.response, rewrite: code}
	if a.Len() == 2 {
		// Like skipper, a negative index is accepted; it matches no part,
		// so the value is always left alone.
		part, err := a.Int(1, "part index")
		if err != nil {
			return nil, err
		}
		f.rewrite = func(v string) (string, error) { return rewritePart(v, part, code) }
	}
	return f, nil
}

func base64Encode(s string) (string, error) {
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("not base64: %w", err)
	}
	return string(b), nil
}

// rewritePart applies code to the part-th (0-based) of the fields of v
// separated by white space; the fields are then joined with single spaces.
func rewritePart(v string, part int, code func(string) (string, error)) (string, error) {
	fields := strings.Fields(v)
	if part < 0 || part >= len(fields) {
		return "", fmt.Errorf("no part %d: the value has %d", part, len(fields))
	}
	out, err := code(fields[part])
	if err != nil {
		return "", fmt.Errorf("part %d: %w", part, err)
	}
	fields[part] = out
	return strings.Join(fields, " "), nil
}
