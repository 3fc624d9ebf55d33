// Package admin is the support listener's handler: /health for load
// balancers (503 while the process drains), /routes to inspect the current
// routing table and the routes it rejected, and /debug/pprof for profiling.
// It binds to localhost by default because /routes and pprof reveal
// internals.
//
// A route whose new version was rejected while the table still serves its
// last valid version is in both lists of /routes: with the valid routes
// (the served version, preceded by a "// stale:" comment in the eskip
// text, so the text still parses) and with the invalid ones (the rejected
// version, marked "stale": true in JSON and "(stale: serving the last
// valid version)" in text).
package admin
