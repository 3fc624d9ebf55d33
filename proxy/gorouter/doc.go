// Package gorouter is the request path of the routes the NATS data client
// (package dataclients/nats) makes: the keyed predicate that finds a
// request's pool with gorouter's lookup, and the filters that give those
// routes gorouter's behaviour: request and response headers, instance
// targeting, sticky sessions, connection limits, and the router's own
// error answers. Register adds them to the registries routing builds
// with; IndexKey is the client's Options.IndexKey.
package gorouter
