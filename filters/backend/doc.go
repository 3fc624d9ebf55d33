// Package backend holds filters that talk to the proxy and the load
// balancer rather than to the request: dynamic
// backend targets, per-route access-log switches, backendIsProxy (the
// backend is an HTTP forward proxy), and the load-balancing settings
// fadeIn, endpointCreated, consistentHashKey and
// consistentHashBalanceFactor.
//
// fadeIn and endpointCreated do nothing per request; the load balancer's
// post-processor finds them among a route's filters as *FadeIn and
// *EndpointCreated. The access-log filters store an *AccessLog in the state
// bag under filters.AccessLogEnabled for the proxy to consult.
package backend
