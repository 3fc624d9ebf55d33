// Package registration decodes the JSON object that Cloud Foundry route
// emitters publish on NATS router.register and router.unregister, and holds
// the rules that turn one into routing-table entries: the endpoint address
// (spec nats.md §3.3), the route key of each URI (§4.1), the per-endpoint
// TTL (§6.2) and the isolation-segment filter (§4.6).
//
// Decode follows Go's encoding/json decoding into gorouter's message struct
// (§3.1), because that is what every emitter has been tested against:
// case-insensitive keys, the last of duplicate keys wins, null leaves a
// field as it was, and any value of the wrong JSON type or range rejects the
// whole message. It is a hand-written decoder rather than encoding/json
// itself because re-registrations are over 99% of the traffic (§1) and
// reflection costs several times more; the tests and the fuzz target check it
// against encoding/json. The exception is options (§3.4): a bad option is
// reported in Message.OptionErrors and ignored, never rejecting the
// registration.
//
// A decoded Message's strings share one copy of the payload, so a caller
// that keeps any of them keeps the whole payload (typically under a
// kilobyte, most of it the tags it keeps anyway).
package registration
