// Package nats is skiff's gorouter-compatible data client: it follows the
// router.register and router.unregister messages that Cloud Foundry-style
// route emitters publish on NATS, keeps gorouter's table of pools (one per
// host and context path, each with its endpoints, their TTLs and pruning),
// and serves every pool as a route of skiff's routing table.
//
// Requests find their pool with gorouter's lookup (exact host before
// wildcard, longest path-segment prefix): Lookup, which the keyed
// predicate of package proxy/gorouter calls before skiff's own path tree.
// A pool's endpoints change in place through routing's endpoint-only
// updates, so the re-registration every endpoint sends every 20 seconds
// costs a map lookup. proxy/gorouter's filters give the routes gorouter's
// headers, limits and error responses, reading pools and endpoints through
// this package's read side (serving.go).
//
// The subpackages hold the parts: registration decodes messages, damping
// holds back flapping endpoints, transport owns the NATS connection,
// cfhttp has gorouter's HTTP conventions and status its status listener.
package nats
