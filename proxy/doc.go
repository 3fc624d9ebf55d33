// Package proxy is skiff's request path: an http.Handler that matches each
// request against the current routing table, runs the route's filters,
// forwards to the backend (network, load-balanced, dynamic, shunt or
// loopback), streams the response back and reports it to the access log.
//
// Plain-HTTP backends are called with a small HTTP/1.1 client (package
// proxy/internal/h1) that writes the request and reads the response on the
// calling goroutine and keeps a per-host pool of idle connections; https,
// h2c and Expect: 100-continue use net/http's transport. The upgrade path
// dials itself and writes and checks with package h1.
package proxy
