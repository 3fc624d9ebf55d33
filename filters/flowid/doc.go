// Package flowid provides the flowId filter, which gives every request an
// X-Flow-Id header so that one request can be followed through the logs of
// every service it passes.
package flowid
