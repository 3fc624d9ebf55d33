// Package loadbalancer chooses the endpoint of a load-balanced route for
// each request.
//
// Its post-processor gives every load-balanced route a Balancer: a pool of
// the route's endpoints, taken from the shared healthcheck.Registry, with
// the route's algorithm (roundRobin, random, consistentHash,
// powerOfRandomNChoices, leastConnection) and fade-in setting. The
// post-processor is route-local, so routing can apply small changes to
// large tables incrementally, and an endpoint-only change replaces the
// pool in place (Balancer.UpdateEndpoints).
//
// Per request, Select hides dead and lame-duck endpoints, endpoints that
// are fading in and endpoints the passive health check drops, and runs
// the algorithm over the rest; docs/loadbalancing.md describes the
// behaviour. Select does not allocate for pools of up to 64 endpoints.
package loadbalancer
