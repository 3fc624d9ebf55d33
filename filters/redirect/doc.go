// Package redirect holds redirectTo and redirectToLower, which answer the
// request with a redirect built from a possibly relative location merged
// with the request URL (spec/filters.md §4.3).
package redirect
