package query

import (
	"fmt"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/internal/rawquery"
)

// Filter names used in eskip.
const (
	HeaderToQueryName = "headerToQuery"
	QueryToHeaderName = "queryToHeader"
)

// Specs returns the headerToQuery and queryToHeader specs.
func Specs() []filters.Spec {
	return []filters.Spec{headerToQuerySpec{}, queryToHeaderSpec{}}
}

func invalid(name, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", name, fmt.Sprintf(format, args...), filters.ErrInvalidFilterParameters)
}

func stringArgs(name string, args []any, min, max int) ([]string, error) {
	if len(args) < min || len(args) > max {
		if min == max {
			return nil, invalid(name, "want %d arguments, got %d", min, len(args))
		}
		return nil, invalid(name, "want %d to %d arguments, got %d", min, max, len(args))
	}
	out := make([]string, len(args))
	for i, a := range args {
		s, ok := a.(string)
		if !ok || s == "" {
			return nil, invalid(name, "argument %d must be a non-empty string, got %v", i+1, a)
		}
		out[i] = s
	}
	return out, nil
}

type headerToQuerySpec struct{}

func (headerToQuerySpec) Name() string { return HeaderToQueryName }

func (headerToQuerySpec) CreateFilter(args []any) (filters.Filter, error) {
	s, err := stringArgs(HeaderToQueryName, args, 2, 2)
	if err != nil {
		return nil, err
	}
	return &headerToQuery{header: s[0], param: s[1]}, nil
}

type headerToQuery struct{ header, param string }

// Request sets the parameter even when the header is absent (to the empty
// value), so a client cannot smuggle its own value in through the query.
func (f *headerToQuery) Request(ctx filters.FilterContext) {
	req := ctx.Request()
	q := req.URL.Query()
	q.Set(f.param, req.Header.Get(f.header))
	req.URL.RawQuery = q.Encode()
}

func (*headerToQuery) Response(filters.FilterContext) {}

type queryToHeaderSpec struct{}

func (queryToHeaderSpec) Name() string { return QueryToHeaderName }

func (queryToHeaderSpec) CreateFilter(args []any) (filters.Filter, error) {
	s, err := stringArgs(QueryToHeaderName, args, 2, 3)
	if err != nil {
		return nil, err
	}
	f := &queryToHeader{param: s[0], header: s[1]}
	if len(s) == 3 {
		f.prefix, f.suffix, err = splitFormat(s[2])
		if err != nil {
			return nil, invalid(QueryToHeaderName, "argument 3 %q: %v", s[2], err)
		}
	}
	return f, nil
}

// splitFormat turns a printf format with exactly one %s (and optionally %%)
// into the literal text around the value, so requests need no fmt call.
func splitFormat(format string) (prefix, suffix string, err error) {
	var b strings.Builder
	found := false
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(format) {
			return "", "", fmt.Errorf("format ends with %%")
		}
		i++
		switch format[i] {
		case '%':
			b.WriteByte('%')
		case 's':
			if found {
				return "", "", fmt.Errorf("format must contain %%s exactly once")
			}
			found = true
			prefix = b.String()
			b.Reset()
		default:
			return "", "", fmt.Errorf("only %%s and %%%% are allowed in the format")
		}
	}
	if !found {
		return "", "", fmt.Errorf("format must contain %%s")
	}
	return prefix, b.String(), nil
}

type queryToHeader struct{ param, header, prefix, suffix string }

func (f *queryToHeader) Request(ctx filters.FilterContext) {
	req := ctx.Request()
	if req.Header.Get(f.header) != "" {
		return
	}
	v := lookup(req.URL.RawQuery, f.param)
	if v == "" {
		return
	}
	if f.prefix != "" || f.suffix != "" {
		v = f.prefix + v + f.suffix
	}
	req.Header.Set(f.header, v)
}

func (*queryToHeader) Response(filters.FilterContext) {}

// lookup returns the first value of name in raw without building a
// url.Values; pairs are read as url.ParseQuery reads them.
func lookup(raw, name string) string {
	v, _ := rawquery.Next(&raw, name)
	return v
}
