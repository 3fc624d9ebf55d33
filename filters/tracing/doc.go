// Package tracing holds skipper's tracing filters: tracingTag,
// tracingTagFromResponse, tracingTagFromResponseIfStatus, stateBagToTag
// and tracingBaggageToTag set attributes on the OpenTelemetry span in the
// request's context, and tracingSpanName names the proxy's span to the
// backend. skiff does not start spans itself yet, so until it does (or an
// embedding program wraps the proxy in a handler that does) the tag
// filters find no recording span and do nothing; routes using them load
// and work as in skipper.
package tracing
