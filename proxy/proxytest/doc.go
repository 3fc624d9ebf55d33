// Package proxytest serves eskip routes through a real proxy on loopback,
// for the tests of filters and predicates that need the whole request
// path: the proxy's context, its transports and its error answers.
package proxytest
