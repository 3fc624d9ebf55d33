// Package redirect holds redirectTo and redirectToLower, which answer the
// request with a redirect built from a possibly relative location merged
// with the request URL (RFC 3986 §5.2).
package redirect
