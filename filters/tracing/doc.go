// Package tracing holds skipper's tracing filters: tracingTag,
// tracingTagFromResponse, tracingTagFromResponseIfStatus, stateBagToTag
// and tracingBaggageToTag set attributes on the OpenTelemetry span in the
// request's context, and tracingSpanName names the proxy's span to the
// backend. With tracing off there is no recording span and the tag
// filters do nothing; routes using them load and work as in skipper.
package tracing
