// Package admin is the support listener's handler: /health for load
// balancers (503 while the process drains), /routes to inspect the current
// routing table and the routes it rejected, and /debug/pprof for profiling.
// It binds to localhost by default because /routes and pprof reveal
// internals.
package admin
