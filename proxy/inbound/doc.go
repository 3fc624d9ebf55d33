// Package inbound is the proxy listener and what happens to every request
// between it and routing, in this order: the connection guard of package
// frontconn (framing, head size and memory), the request body size limit
// (-max-content-length), query validation, host normalisation and the
// X-Forwarded-* headers. Each step is a small http.Handler in a file of
// its own; NewServer chains them in front of the proxy.
package inbound
