// Package listener wraps the proxy listener for skipper's listener flags:
// ProxyProtocol reads HAProxy's PROXY protocol header (v1 and v2) in
// front of a connection, so that the connection's RemoteAddr is the
// client's behind a load balancer (-enable-proxy-protocol with
// -proxy-allow-cidrs, -proxy-deny-cidrs and -proxy-skip-cidrs), and
// Queue bounds the connections being served at once, keeping the others
// waiting in a queue that serves the newest first (-enable-tcp-queue,
// -max-tcp-listener-concurrency, -max-tcp-listener-queue).
//
// Both wrap a net.Listener and return one; they are applied to the raw
// TCP listener, before TLS and before the framing guard of
// proxy/frontconn: Queue innermost, then ProxyProtocol, as in skipper.
package listener
