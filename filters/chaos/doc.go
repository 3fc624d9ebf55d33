// Package chaos holds skipper's diagnostic filters for testing clients and
// backends under bad network conditions: added latency (fixed, uniform,
// normal or histogram-distributed), limited bandwidth and delayed chunks on
// the response or on the request body sent to the backend, tarpit (a
// response that trickles forever) and absorb/absorbSilent (swallow the
// request body and answer 200).
//
// Every wait ends as soon as the client goes away (its request context is
// done) or the body being throttled is closed. The filters start no
// goroutines: throttling happens inside the Read calls of the body, so it
// is streaming and holds no more than one read buffer.
package chaos
