// Package h1server is skiff's own server for plain HTTP/1.1 requests, in
// front of net/http's.
//
// net/http's server costs a proxy a good part of its time per request:
// a general parser, a response writer that buffers twice, a background
// read started on every request to notice a client leaving. This server
// serves the requests a proxy sees most (HTTP/1.1, origin-form, a Host,
// no body or a Content-Length one) with less: it parses heads the
// connection guard (package frontconn) has already checked and framed,
// writes responses through one buffer with net/http's exact bytes
// (package respwriter), and starts watching for a client leaving only
// when a request takes a while.
//
// It never refuses anything itself. At the first request of a connection
// it does not serve, it hands the connection, with every byte it read
// ahead, to net/http's server, which then serves it to its end: so
// HTTP/1.0, chunked bodies, Expect, upgrades (WebSocket), h2c, TLS with
// HTTP/2 and every malformed request behave exactly as under net/http.
// Handlers see the same *http.Request and http.ResponseWriter semantics
// either way; the differential tests hold both servers to the same
// parsed requests and the same response bytes.
package h1server
