package path

import (
	"net/textproto"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/filters/template"
)

type setQuerySpec struct{}

func (setQuerySpec) Name() string { return "setQuery" }

func (s setQuerySpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 2); err != nil {
		return nil, err
	}
	key, err := a.String(0, "key")
	if err != nil {
		return nil, err
	}
	f := &setQuery{key: template.New(key)}
	if len(args) == 2 {
		v, err := a.String(1, "value")
		if err != nil {
			return nil, err
		}
		f.value = template.New(v)
	}
	return f, nil
}

// setQuery with only a key template replaces the whole raw query with it;
// with a value it sets that one parameter. Partial renders are used as they
// are.
type setQuery struct{ key, value *template.Template }

func (f *setQuery) Request(ctx filters.FilterContext) {
	u := ctx.Request().URL
	k, _ := f.key.Render(ctx)
	if f.value == nil {
		u.RawQuery = escapeRawQuery(k)
		return
	}
	v, _ := f.value.Render(ctx)
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
}

func (*setQuery) Response(filters.FilterContext) {}

type dropQuerySpec struct{}

func (dropQuerySpec) Name() string { return "dropQuery" }

func (s dropQuerySpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	key, err := a.String(0, "key")
	if err != nil {
		return nil, err
	}
	return &dropQuery{key: template.New(key)}, nil
}

type dropQuery struct{ key *template.Template }

// Request re-encodes the query only when the key is present, so requests
// without it keep their query byte for byte.
func (f *dropQuery) Request(ctx filters.FilterContext) {
	u := ctx.Request().URL
	if u.RawQuery == "" {
		return
	}
	k, _ := f.key.Render(ctx)
	q := u.Query()
	if _, ok := q[k]; !ok {
		return
	}
	delete(q, k)
	u.RawQuery = q.Encode()
}

func (*dropQuery) Response(filters.FilterContext) {}

type stripQuerySpec struct{}

func (stripQuerySpec) Name() string { return "stripQuery" }

// CreateFilter accepts no argument or one string; like skipper, only "true"
// (any case) turns on copying parameters into headers.
func (s stripQuerySpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(0, 1); err != nil {
		return nil, err
	}
	f := &stripQuery{}
	if len(args) == 1 {
		v, err := a.String(0, "preserve as headers")
		if err != nil {
			return nil, err
		}
		f.toHeaders = strings.EqualFold(v, "true")
	}
	return f, nil
}

type stripQuery struct{ toHeaders bool }

func (f *stripQuery) Request(ctx filters.FilterContext) {
	r := ctx.Request()
	if r.URL.RawQuery == "" {
		return
	}
	if f.toHeaders {
		for k, vs := range r.URL.Query() {
			name := textproto.CanonicalMIMEHeaderKey("X-Query-Param-" + sanitizeHeaderName(k))
			r.Header[name] = append(r.Header[name], vs...)
		}
	}
	r.URL.RawQuery = ""
	r.URL.ForceQuery = false
}

func (*stripQuery) Response(filters.FilterContext) {}

// sanitizeHeaderName replaces every byte that may not appear in a header
// name with '-'.
func sanitizeHeaderName(s string) string {
	if specargs.ValidHeaderName(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if !specargs.ValidHeaderName(string(c)) {
			b[i] = '-'
		}
	}
	return string(b)
}

// escapeRawQuery percent-encodes the bytes that may not appear in a raw
// query: a decoded placeholder value could otherwise put a space, CR/LF or
// '#' into the request line. Valid queries are returned unchanged.
func escapeRawQuery(q string) string {
	n := 0
	for i := 0; i < len(q); i++ {
		if badQueryByte(q[i]) {
			n++
		}
	}
	if n == 0 {
		return q
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(q)+2*n)
	for i := 0; i < len(q); i++ {
		c := q[i]
		if badQueryByte(c) {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func badQueryByte(c byte) bool {
	return c <= ' ' || c == '#' || c >= 0x7f
}
