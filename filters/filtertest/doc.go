// Package filtertest provides a FilterContext for unit tests of filters:
// a plain struct whose fields are the context's state, so a test sets up a
// request, runs a filter and inspects what it changed.
package filtertest
