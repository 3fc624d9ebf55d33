// Package frontconn guards the client side of the proxy against request
// smuggling and against request heads that eat memory.
//
// net/http's request parser is lenient: it takes Transfer-Encoding over
// Content-Length when both are sent, ignores Transfer-Encoding on
// HTTP/1.0, unfolds obs-fold lines and accepts request lines of any
// length, and by the time a handler runs the evidence is gone. A front
// proxy that frames requests by Content-Length would then see one request
// where net/http sees two.
//
// The guard sits between the listener and http.Server: a *Conn reads the
// raw bytes, holds each request head until it is complete, checks it
// against RFC 9112 (§5.2 obs-fold, §6.1 and §6.3 message framing) and the
// configured limits, and only then lets net/http read it. It follows every
// body (Content-Length or chunked) with the same rules net/http applies, so
// it knows where the next head starts. A head it refuses never reaches
// net/http: net/http reads a synthetic request instead, which Handler
// answers with the status (400, 414, 431, 503 or 505) and Connection:
// close.
//
// Between requests it also parks keep-alive connections that stay idle
// (Config.ParkIdleAfter): net/http keeps a goroutine and two 4 KiB buffers
// per connection for as long as the connection is open, so the guard ends
// net/http's side of an idle one, waits for the next byte itself with a
// small goroutine and hands the connection out again through Accept.
//
// Wiring (see NewListener, NewTLSListener, ConnContext and Handler):
//
//	srv.ConnContext = frontconn.ConnContext
//	srv.Handler = frontconn.Handler(h)
//	srv.Serve(frontconn.NewListener(ln, frontconn.Config{...}))
package frontconn
