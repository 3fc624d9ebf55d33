// Package cfhttp holds the HTTP conventions of Cloud Foundry's gorouter that
// the filters of the NATS data client reproduce: router-generated error
// responses, the classification of backend errors for retries, request ids,
// the instance-targeting headers and the __VCAP_ID__ sticky-session cookie.
//
// Everything here is a pure function of its arguments (apart from the
// random request id): no goroutines, no state, so filters can call it on
// the request path. Section numbers (§) refer to the spec nats.md.
package cfhttp
