// Package status holds filters that set the response status or answer with
// fixed content: status, inlineContent,
// inlineContentIfStatus, static, loopbackIfStatus, healthcheck and the
// no-op comment.
package status
