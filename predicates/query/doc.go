// Package query provides QueryParam(name) and QueryParam(name, regexp): the
// request URL has the query parameter (even with an empty value), or some
// value of it matches the regular expression.
package query
