// Package headersha256 provides HeaderSHA256(name, hash, ...): the SHA-256 of
// a request header's value is one of the given hex digests, so that a route
// can require a shared secret without the secret appearing in the routes.
package headersha256
