// Package h1 is the proxy's HTTP/1.1 client for plain-TCP backends: a
// Client that writes each request and reads its response on the caller's
// goroutine and keeps a LIFO pool of idle connections per host:port, and
// the request writer and response-head checks that the proxy's upgrade
// path uses on a connection of its own.
//
// # Connection reuse
//
// HTTP/1.1 pairs responses with requests by their order on a connection
// alone (RFC 9112 §9.3). A byte that arrives when no request is waiting,
// or a response whose end is uncertain, shifts that pairing: the next
// request on the connection, another client's, would get the answer to an
// earlier one. A Client therefore reuses a connection only when it is
// sure where the last response ended and that nothing else was sent.
//
// A connection goes back to the idle pool when its response body has
// been read to the end (a Read returned io.EOF), or as RoundTrip returns
// when the response has no body, and only when every one of these holds:
//
//   - the request was written completely, and the body ended where its
//     framing says: Content-Length, the last chunk and its trailer
//     section, or at once for a response to HEAD and for 204 and 304
//     (RFC 9112 §6.3);
//   - the framing was not in doubt: not both Content-Length and
//     Transfer-Encoding (RFC 9112 §6.3 item 3), no Transfer-Encoding in an
//     HTTP/1.0 response (RFC 9112 §6.1), not a body delimited by the
//     connection's close;
//   - nothing follows the response in the read buffer: no body longer
//     than its Content-Length, no body after an answer to HEAD or a 204
//     or 304, no second response sent together with the first;
//   - the response allows persistence: no "Connection: close", and an
//     HTTP/1.0 response only with "Connection: keep-alive" (RFC 9112
//     §9.3);
//   - the request's context did not end during the exchange, and
//     keep-alives are not disabled (Config.DisableKeepAlives);
//   - the pool for its host:port is not full (Config.MaxIdlePerHost) and
//     Close was not called.
//
// Every other connection is closed as soon as its exchange ends: when
// RoundTrip fails (a malformed answer, an unasked 101, a timeout ...),
// when the body reaches its end, or when the body is closed before its
// end (a body whose Read failed must still be closed).
//
// # When it is checked
//
// The conditions above are checked when the body ends, before the
// connection is pooled. A pooled connection is checked again right before
// a request is written on it: when it has been idle for longer than
// Config.IdleConnTimeout, or when anything arrived while it was idle (a
// stray response sent late, the rest of an over-long body, a 408, the end
// of the stream), it is closed and the next idle one is tried, or a new
// one dialed. The check is a non-blocking receive with MSG_PEEK; on
// platforms without one, no idle connection is trusted and every request
// gets a new connection.
//
// A request that fails on a reused connection because the backend closed
// or reset it before any byte of the answer arrived (it closed the idle
// connection just after the check) is sent once more on another
// connection, but only when that is harmless: no body, and an idempotent
// method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE; RFC 9110 §9.2.2).
//
// # What cannot be detected
//
// A stray response that arrives after the check, while the next request
// is being written or its answer awaited, cannot be told from the real
// answer: HTTP/1.1 has nothing that ties a response to its request
// (RFC 9112 §9.3). That request gets the stray response as its answer,
// and its own answer, coming after it, is a stray response in turn: the
// checks above close the connection when it is in the read buffer as the
// body ends or arrives while the connection is idle. net/http's Transport
// has the same limit: a backend that sends unsolicited responses while
// requests are in flight cannot be proxied safely over a shared
// connection.
//
// # What callers must do
//
// A response of RoundTrip holds its connection until its body is done
// with:
//
//   - read the body to the end (io.EOF) to hand the connection back for
//     reuse, or Close the body to give the connection up. Close does not
//     drain what is left, as the rest of a stream may never end: it closes
//     the connection. Close after the end does no harm;
//   - never read a body after its Close: the Read fails with
//     http.ErrBodyReadAfterClose, and the connection may be closed or
//     already carry another request;
//   - Read and Close of one body must not run concurrently; to abandon a
//     Read that waits, end the request's context;
//   - keep the request's context alive until the body is done with: its
//     end (cancellation or deadline) interrupts the body's reads, which
//     then fail;
//   - req.Body is read but not closed: closing it is the caller's;
//   - call CloseIdle now and then for host names to be resolved again,
//     and Close when the client is no longer needed.
//
// Errors tell who failed, for the proxy to choose its status: see
// Client.RoundTrip.
package h1
