package backend

import (
	"errors"
	"net/textproto"

	"github.com/skiff-proxy/skiff/eskip"
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
		var ae *eskip.AddressError
		if errors.As(err, &ae) { // names the target itself
			return nil, a.Errorf("argument 1 (target): %v", err)
		}
		return nil, a.Errorf("argument 1 (target) %q: %v", v, err)
	}
	return &stateValue{key: s.key, value: v}, nil
}

type checkError string

func (e checkError) Error() string { return string(e) }

// checkURL, checkHost and checkScheme accept what the proxy can forward
// to: the rules of eskip.ParseBackendAddress.
func checkURL(s string) error {
	_, err := eskip.ParseBackendAddress(s)
	return err
}

func checkHost(s string) error {
	if _, err := eskip.BackendHost("http", s); err != nil {
		return checkError("want host or host:port")
	}
	return nil
}

func checkScheme(s string) error {
	if _, err := eskip.BackendHost(s, "localhost"); err != nil {
		return checkError("want http, https or h2c")
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
