// Package methods provides Methods("GET", "HEAD", ...): the request method is
// one of a list, compared case-insensitively. (Method, with one
// case-sensitive method, is built into the routing matcher.)
package methods
