package cookie

import (
	"math"
	"net/http"
	"strconv"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/filters/template"
)

type responseSpec struct {
	name     string
	httpOnly bool
}

func (s responseSpec) Name() string { return s.name }

func (s responseSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(2, 4); err != nil {
		return nil, err
	}
	name, err := cookieName(a, 0)
	if err != nil {
		return nil, err
	}
	value, encoded, err := cookieValue(a, 1)
	if err != nil {
		return nil, err
	}
	f := &responseCookie{name: name, value: value, prefix: name + "=" + encoded + "; Path=/"}
	maxAge, session := 0, true
	if len(args) > 2 {
		if maxAge, err = seconds(a, args[2]); err != nil {
			return nil, err
		}
		session = false
	}
	if len(args) > 3 {
		if v, ok := args[3].(string); !ok || v != "change-only" {
			return nil, a.Errorf(`argument 4 must be "change-only", got %T %v`, args[3], args[3])
		}
		f.changeOnly = true
	}
	// Without a max age the cookie lasts the browser session; a positive
	// one is written, and zero or less deletes the cookie now (Max-Age=0),
	// as skipper does.
	switch {
	case session:
	case maxAge > 0:
		f.suffix = "; Max-Age=" + strconv.Itoa(maxAge)
	default:
		f.suffix = "; Max-Age=0"
	}
	if s.httpOnly {
		f.suffix += "; HttpOnly"
	}
	f.suffix += "; Secure"
	return f, nil
}

// seconds accepts a number of seconds, dropping any fraction.
func seconds(a specargs.Args, arg any) (int, error) {
	if v, ok := arg.(int); ok {
		return v, nil
	}
	if v, ok := specargs.AsNumber(arg); ok && !math.IsNaN(v) && math.Abs(v) < 1<<53 {
		return int(v), nil
	}
	return 0, a.Errorf("argument 3 (max age) must be a number of seconds, got %T %v", arg, arg)
}

type responseCookie struct {
	name, value    string
	prefix, suffix string
	changeOnly     bool
}

func (*responseCookie) Request(filters.FilterContext) {}

func (f *responseCookie) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	r := ctx.Request()
	if f.changeOnly && template.CookieValue(r.Header, f.name) == f.value {
		return
	}
	c := f.prefix + f.suffix
	if d := domain(r.Host); d != "" {
		c = f.prefix + "; Domain=" + d + f.suffix
	}
	if rsp.Header == nil {
		rsp.Header = http.Header{}
	}
	rsp.Header["Set-Cookie"] = append(rsp.Header["Set-Cookie"], c)
}
