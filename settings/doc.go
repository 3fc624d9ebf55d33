// Package settings holds the Options of a skiff instance (re-exported by
// the root package as skiff.Options), their defaults, and how they are
// resolved and split into what each part is configured with: the route
// pipeline (package pipeline), the proxy listener (proxy/inbound) and the
// request handler (proxy).
package settings
