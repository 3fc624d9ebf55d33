package redirect

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Specs returns the redirect filter specs.
func Specs() []filters.Spec {
	return []filters.Spec{spec{name: "redirectTo"}, spec{name: "redirectToLower", lower: true}}
}

type spec struct {
	name  string
	lower bool
}

func (s spec) Name() string { return s.name }

func (s spec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, 2); err != nil {
		return nil, err
	}
	code, err := a.StatusCode(0)
	if err != nil {
		return nil, err
	}
	f := &redirect{code: code, lower: s.lower, location: &url.URL{}}
	if len(args) == 2 {
		loc, err := a.String(1, "location")
		if err != nil {
			return nil, err
		}
		if f.location, err = url.Parse(loc); err != nil {
			return nil, a.Errorf("argument 2 (location) %q is not a URL: %v", loc, err)
		}
	}
	return f, nil
}

type redirect struct {
	code     int
	lower    bool
	location *url.URL
}

func (f *redirect) Request(ctx filters.FilterContext) {
	ctx.Serve(&http.Response{
		StatusCode: f.code,
		Header:     http.Header{"Location": {f.target(ctx.Request(), filters.RequestHost(ctx))}},
		Body:       http.NoBody,
	})
}

func (*redirect) Response(filters.FilterContext) {}

// target fills what the configured location leaves out from the request:
// scheme (request scheme, else https), host (as the filters before left
// it), path and query; user info always comes from the request.
func (f *redirect) target(r *http.Request, host string) string {
	u := *f.location
	if u.Scheme == "" {
		u.Scheme = "https"
		if r.URL.Scheme != "" {
			u.Scheme = r.URL.Scheme
		}
	}
	u.User = r.URL.User
	if u.Host == "" {
		u.Host = host
	}
	if u.Path == "" {
		u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
	}
	if u.RawQuery == "" {
		u.RawQuery = r.URL.RawQuery
	}
	if f.lower {
		u.Path, u.RawPath = strings.ToLower(u.Path), strings.ToLower(u.RawPath)
	}
	return u.String()
}
