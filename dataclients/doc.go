// Package dataclients defines how route sources feed the routing table: a
// DataClient pushes its full route set first and then changes, as Updates.
// The clients themselves live in subpackages (file, etcd, nats).
package dataclients
