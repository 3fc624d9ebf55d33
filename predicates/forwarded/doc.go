// Package forwarded has the predicates ForwardedHost and ForwardedProtocol,
// which match the host and proto parameters of the standard Forwarded
// request header (RFC 7239), as skipper's do.
package forwarded
