// Package headers holds the built-in filters that set, append, drop, copy
// and rewrite request and response headers. Writing
// the request header Host changes the outgoing Host through
// FilterContext.SetOutgoingHost instead of the header map, so the proxy
// never has to strip a stray Host header.
package headers
