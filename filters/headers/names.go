package headers

import (
	"net/http"
	"net/textproto"
	"regexp"

	"github.com/skiff-proxy/skiff/filters/internal/filterargs"
)

const hostKey = "Host"

// headerName validates args[i] as a header field name and returns its
// canonical form, so requests index the header map without canonicalising.
func headerName(filter string, args []any, i int, what string) (string, error) {
	name, err := filterargs.NonEmptyString(filter, args, i, what)
	if err != nil {
		return "", err
	}
	if !filterargs.ValidHeaderName(name) {
		return "", filterargs.Errorf(filter, "argument %d (%s) %q is not a valid header name", i+1, what, name)
	}
	return textproto.CanonicalMIMEHeaderKey(name), nil
}

// headerAndRegexp reads the leading (header name, expression) arguments
// of a filter that takes n arguments.
func headerAndRegexp(filter string, args []any, n int) (string, *regexp.Regexp, error) {
	if err := filterargs.Count(filter, args, n, n); err != nil {
		return "", nil, err
	}
	key, err := headerName(filter, args, 0, "header name")
	if err != nil {
		return "", nil, err
	}
	rx, err := filterargs.Regexp(filter, args, 1, "expression")
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
