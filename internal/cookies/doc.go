// Package cookies finds one cookie value in a request without the
// allocations of http.Request.Cookie, which parses every cookie. Predicates
// and filter templates share it.
package cookies
