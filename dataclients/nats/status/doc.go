// Package status is gorouter's status listener for routes registered over
// NATS (spec nats.md §12): /health and the liveness probe, the /routes
// document of the Cloud Foundry table, and, behind
// status.enable_deprecated_varz_healthz_endpoints, /healthz and /varz.
// NewHandler builds the http.Handler; Server owns a listener for it and
// stops every goroutine it starts.
//
// Deliberate deviations from gorouter, allowed by the spec:
//   - Basic auth splits the decoded credentials on the first ':' only, so a
//     password may contain ':' (gorouter splits on every ':' and such a
//     password can never authenticate), and compares user and password in
//     constant time (§12.5).
//   - /varz reports "credentials" as [] instead of [user, password]: the
//     endpoint must never leak the password (§12.4).
//   - /varz latency percentiles come from a fixed ring of the most recent
//     requests rather than gorouter's exponentially decaying sample; "cpu"
//     is the average since start, "tags" has an empty "component" block
//     and "top10_app_requests" is always [].
//
// One handler serves every path. gorouter has two listeners: /health on
// status.port (all interfaces) and /routes on 127.0.0.1:8082; run two
// Servers, the public one with Config.OmitRoutes, to get exactly that.
//
// Server listens on 127.0.0.1:8082 by default, loopback only, because
// /routes lists every backend address of the platform.
package status
