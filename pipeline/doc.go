// Package pipeline assembles how routes are built and where they come
// from, from one Config: the filter and predicate registries, the route
// pre-processors (default filters, clone and edit rules, custom ones,
// <forward>), the post-processors (load balancing, unresolved <forward>,
// custom ones) and the data clients (route files, inline routes, custom
// clients).
//
// The server and the check and explain commands all build routes through
// New, so that a route the server would reject is rejected by check too.
package pipeline
