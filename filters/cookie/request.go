package cookie

import (
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type requestSpec struct{}

func (requestSpec) Name() string { return "requestCookie" }

func (s requestSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	name, err := cookieName(a, 0)
	if err != nil {
		return nil, err
	}
	_, encoded, err := cookieValue(a, 1)
	if err != nil {
		return nil, err
	}
	return requestCookie(name + "=" + encoded), nil
}

// requestCookie is the "name=value" pair added to the request's Cookie
// header, joined with "; " as http.Request.AddCookie does.
type requestCookie string

func (c requestCookie) Request(ctx filters.FilterContext) {
	h := ctx.Request().Header
	if old := h["Cookie"]; len(old) > 0 && old[0] != "" {
		h["Cookie"] = []string{old[0] + "; " + string(c)}
		return
	}
	h["Cookie"] = []string{string(c)}
}

func (requestCookie) Response(filters.FilterContext) {}

type dropSpec struct {
	name     string
	response bool
}

func (s dropSpec) Name() string { return s.name }

func (s dropSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	name, err := cookieName(a, 0)
	if err != nil {
		return nil, err
	}
	if s.response {
		return dropResponse(name), nil
	}
	return dropRequest(name), nil
}

type dropRequest string

// Request rewrites the Cookie headers only when they hold the cookie.
func (name dropRequest) Request(ctx filters.FilterContext) {
	h := ctx.Request().Header
	lines := h["Cookie"]
	found := false
	for _, l := range lines {
		if hasCookie(l, string(name)) {
			found = true
			break
		}
	}
	if !found {
		return
	}
	var b strings.Builder
	for _, l := range lines {
		for l != "" {
			var c string
			c, l, _ = strings.Cut(l, ";")
			c = strings.TrimSpace(c)
			if k, _, _ := strings.Cut(c, "="); c == "" || k == string(name) {
				continue
			}
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(c)
		}
	}
	if b.Len() == 0 {
		delete(h, "Cookie")
		return
	}
	h["Cookie"] = []string{b.String()}
}

func (dropRequest) Response(filters.FilterContext) {}

func hasCookie(line, name string) bool {
	for line != "" {
		var c string
		c, line, _ = strings.Cut(line, ";")
		if k, _, _ := strings.Cut(strings.TrimSpace(c), "="); k == name {
			return true
		}
	}
	return false
}

type dropResponse string

func (dropResponse) Request(filters.FilterContext) {}

// Response removes the Set-Cookie lines that set the named cookie.
func (name dropResponse) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	lines := rsp.Header["Set-Cookie"]
	var kept []string
	for i, l := range lines {
		k, _, _ := strings.Cut(l, "=")
		if strings.TrimSpace(k) != string(name) {
			if kept != nil {
				kept = append(kept, l)
			}
			continue
		}
		if kept == nil {
			kept = append(make([]string, 0, len(lines)), lines[:i]...)
		}
	}
	if kept == nil {
		return
	}
	if len(kept) == 0 {
		delete(rsp.Header, "Set-Cookie")
		return
	}
	rsp.Header["Set-Cookie"] = kept
}
