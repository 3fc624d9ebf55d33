package headers

import (
	"net/http"
	"net/textproto"
	"regexp"

	"github.com/skiff-proxy/skiff/filters/specargs"
)

const hostKey = "Host"

// headerName validates argument i as a header field name and returns its
// canonical form, so requests index the header map without canonicalising.
func headerName(a specargs.Args, i int, what string) (string, error) {
	name, err := a.NonEmptyString(i, what)
	if err != nil {
		return "", err
	}
	if !specargs.ValidHeaderName(name) {
		return "", a.Errorf("argument %d (%s) %q is not a valid header name", i+1, what, name)
	}
	return textproto.CanonicalMIMEHeaderKey(name), nil
}

// headerAndRegexp reads the leading (header name, expression) arguments
// of a filter that takes n arguments.
func headerAndRegexp(a specargs.Args, n int) (string, *regexp.Regexp, error) {
	if err := a.Count(n, n); err != nil {
		return "", nil, err
	}
	key, err := headerName(a, 0, "header name")
	if err != nil {
		return "", nil, err
	}
	rx, err := a.Regexp(1, "expression")
	return key, rx, err
}

func first(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// requestHeader reads a request header; Host is not in the header map of
// server requests, so it reads the request's Host.
func requestHeader(r *http.Request, key string) string {
	if key == hostKey {
		return r.Host
	}
	return first(r.Header, key)
}
