package registration

import "strings"

// RouteKey normalises one element of uris (§4.1): the whole string is
// lower-cased (host and path), everything from the first '?' is cut, and
// one trailing '/' is removed; the result is the pool's route key.
// contextPath is the part of the same string from its first '/' on, in its
// original case, because the pool uses it for the sticky-session cookie's
// Path and for route-service checks; it is "/" when there is no path.
//
// URIs are not parsed as URLs (§3.2): "http://x.com", "" and "a b" give
// keys that never match a request, and are not errors.
func RouteKey(uri string) (key, contextPath string) {
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	// One '/', not all: "a.test//" is the key "a.test/".
	uri = strings.TrimSuffix(uri, "/")
	// Lower-casing after the cuts gives the same key as before them
	// (no character lower-cases to '?' or '/'), and strings.ToLower
	// returns an already lower-case string without copying it, which is
	// every route of a well-behaved emitter.
	key = strings.ToLower(uri)
	contextPath = "/"
	if i := strings.IndexByte(uri, '/'); i >= 0 {
		contextPath = uri[i:]
	}
	return key, contextPath
}
