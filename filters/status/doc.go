// Package status holds filters that set the response status or answer with
// fixed content (spec/filters.md §4.1, §4.4): status, inlineContent,
// inlineContentIfStatus, static, loopbackIfStatus, healthcheck and the
// no-op comment.
package status
