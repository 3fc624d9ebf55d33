// Package respwriter is the http.ResponseWriter of skiff's own HTTP/1.1
// server loop (package h1server): it answers one HTTP/1.1 request on a
// connection the caller owns, and tells the caller afterwards whether the
// connection may carry another request.
//
// Its rule is net/http's server: for the same sequence of handler calls it
// writes the bytes net/http's HTTP/1.1 server writes (status line, header
// fields in the same order and spelling, Content-Length or chunked framing,
// sniffed Content-Type, Connection: close, trailers, chunk sizes), returns
// the same errors and takes the same keep-alive decision. Only the value of
// the Date field differs (it is cached per second). It serves HTTP/1.1
// requests without Expect: everything else stays with net/http.
package respwriter
