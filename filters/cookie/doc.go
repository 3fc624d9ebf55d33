// Package cookie holds the cookie filters:
// responseCookie and jsCookie set a cookie on the response, requestCookie
// adds one to the request, dropRequestCookie and dropResponseCookie remove
// one. Cookie strings are built once per route, so requests only join the
// per-request domain into them.
package cookie
