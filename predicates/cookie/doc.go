// Package cookie provides Cookie(name, regexp): the request has a cookie
// called name whose value matches the regular expression.
package cookie
