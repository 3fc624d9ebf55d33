package backend

import (
	"net/textproto"
	"net/url"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type dynamicSpec struct {
	name, key string
	check     func(string) error
}

func (s dynamicSpec) Name() string { return s.name }

func (s dynamicSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	v, err := a.NonEmptyString(0, "target")
	if err != nil {
		return nil, err
	}
	if err := s.check(v); err != nil {
		return nil, a.Errorf("argument 1 (target) %q: %v", v, err)
	}
	return &stateValue{key: s.key, value: v}, nil
}

type checkError string

func (e checkError) Error() string { return string(e) }

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme == "" || u.Host == "" {
		return checkError("want an absolute URL with scheme and host")
	}
	return nil
}

func checkHost(s string) error {
	if u, err := url.Parse("http://" + s); err != nil || u.Host != s {
		return checkError("want host or host:port")
	}
	return nil
}

func checkScheme(s string) error {
	if u, err := url.Parse(s + "://x"); err != nil || u.Scheme != s {
		return checkError("want a URL scheme such as http or https")
	}
	return nil
}

// stateValue puts a value boxed once at creation into the state bag.
type stateValue struct {
	key   string
	value any
}

func (f *stateValue) Request(ctx filters.FilterContext) { ctx.StateBag()[f.key] = f.value }
func (*stateValue) Response(filters.FilterContext)      {}

type dynamicHeaderSpec struct{ name, key string }

func (s dynamicHeaderSpec) Name() string { return s.name }

func (s dynamicHeaderSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	h, err := a.NonEmptyString(0, "header name")
	if err != nil {
		return nil, err
	}
	if !specargs.ValidHeaderName(h) {
		return nil, a.Errorf("argument 1 (header name) %q is not a valid header name", h)
	}
	return &fromHeader{key: s.key, header: textproto.CanonicalMIMEHeaderKey(h)}, nil
}

// fromHeader copies a request header into the state bag when it is set.
// The header is client-controlled: routes using it let clients pick the
// backend.
type fromHeader struct{ key, header string }

func (f *fromHeader) Request(ctx filters.FilterContext) {
	if v := ctx.Request().Header[f.header]; len(v) > 0 && v[0] != "" {
		ctx.StateBag()[f.key] = v[0]
	}
}

func (*fromHeader) Response(filters.FilterContext) {}
