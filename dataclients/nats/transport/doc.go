// Package transport is the NATS side of the gorouter-compatible "nats"
// data client (spec nats.md §1 and §2): it connects to the NATS servers,
// subscribes to router.* and router.greet, hands router.register and
// router.unregister messages to one handler in arrival order, announces
// the router with router.start on every (re)connect and answers
// router.greet. Decoding the messages is the business of package
// registration; this package never looks inside a registration.
//
// Embedded runs a NATS server inside the process, on loopback only, for
// "-nats-servers embedded"; package natstest runs one for tests.
package transport
