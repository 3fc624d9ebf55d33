// Package healthcheck keeps one object per backend endpoint (host:port),
// shared by every route and routing-table generation that uses it: when it
// was first seen (fade-in), how many requests it has in flight, its
// passive-health counters and drop probability, and its health state
// (healthy, lame duck, dead) with the time and reason of the last change.
//
// The proxy reports each attempt's start and outcome to the endpoint; the
// load balancer reads the state when a request picks its endpoint. Active
// probes, the passive-health statistics and the sweep that forgets
// endpoints no table uses run in the Registry's own goroutines
// (Registry.Run). Nothing here rebuilds a routing table. docs/health.md
// describes the behaviour for operators.
package healthcheck
