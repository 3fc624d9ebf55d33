package auth

import (
	"encoding/json"
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Names of the forwarding filters.
const (
	ForwardTokenName      = "forwardToken"
	ForwardTokenFieldName = "forwardTokenField"
)

type forwardTokenSpec struct{}

func (forwardTokenSpec) Name() string { return ForwardTokenName }

func (forwardTokenSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(ForwardTokenName, args)
	if err := a.Count(1, -1); err != nil {
		return nil, err
	}
	header, err := headerName(a)
	if err != nil {
		return nil, err
	}
	f := &forwardTokenFilter{header: header}
	for i := 1; i < a.Len(); i++ {
		k, err := a.String(i, "field")
		if err != nil {
			return nil, err
		}
		f.keep = append(f.keep, k)
	}
	return f, nil
}

func headerName(a specargs.Args) (string, error) {
	h, err := a.NonEmptyString(0, "header name")
	if err != nil {
		return "", err
	}
	if !specargs.ValidHeaderName(h) {
		return "", a.Errorf("argument 1 (header name) %q is not a valid header name", h)
	}
	return http.CanonicalHeaderKey(h), nil
}

type forwardTokenFilter struct {
	noResponse
	header string
	keep   []string
}

// Request sets the header to the tokeninfo answer as JSON or, when there
// is none, to the claims of a validated JWT; with fields, only those
// members are kept.
func (f *forwardTokenFilter) Request(ctx filters.FilterContext) {
	bag := ctx.StateBag()
	var data map[string]any
	if info, ok := bag[TokeninfoKey]; ok {
		data, _ = info.(map[string]any)
	} else if tok, ok := bag[ClaimsKey].(*Token); ok {
		data = tok.Claims
	} else {
		return
	}
	if len(f.keep) > 0 {
		kept := make(map[string]any, len(f.keep))
		for _, k := range f.keep {
			if v, ok := data[k]; ok {
				kept[k] = v
			}
		}
		data = kept
	}
	b, err := json.Marshal(data)
	if err != nil {
		ctx.Logger().Errorf("%s: %v", ForwardTokenName, err)
		return
	}
	setHeader(ctx, ForwardTokenName, f.header, string(b))
}

// setHeader sets the request header unless the value would be refused on
// the wire.
func setHeader(ctx filters.FilterContext, filter, name, value string) {
	if !specargs.ValidHeaderValue(value) {
		ctx.Logger().Errorf("%s: the value for %s has control characters; header not set", filter, name)
		return
	}
	ctx.Request().Header.Set(name, value)
}

type forwardTokenFieldSpec struct{}

func (forwardTokenFieldSpec) Name() string { return ForwardTokenFieldName }

func (forwardTokenFieldSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(ForwardTokenFieldName, args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	header, err := headerName(a)
	if err != nil {
		return nil, err
	}
	field, err := a.NonEmptyString(1, "field path")
	if err != nil {
		return nil, err
	}
	return &forwardTokenFieldFilter{header: header, field: field}, nil
}

type forwardTokenFieldFilter struct {
	noResponse
	header, field string
}

// Request sets the header to the field of the tokeninfo answer or, when
// there is none, of the validated JWT (skipper's form, see Token).
func (f *forwardTokenFieldFilter) Request(ctx filters.FilterContext) {
	bag := ctx.StateBag()
	var data any
	if info, ok := bag[TokeninfoKey]; ok {
		m, _ := info.(map[string]any)
		data = m
	} else if tok, ok := bag[ClaimsKey].(*Token); ok {
		data = tok.tree()
	} else {
		return
	}
	v, ok := lookupPath(data, f.field)
	if !ok {
		ctx.Logger().Debugf("%s: no field %q in the token", ForwardTokenFieldName, f.field)
		return
	}
	setHeader(ctx, ForwardTokenFieldName, f.header, v)
}
