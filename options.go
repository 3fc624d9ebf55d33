package skiff

import "github.com/skiff-proxy/skiff/settings"

// Options configure Run: listeners, route sources and how routes are
// built, the proxy's behaviour, timeouts and limits, and a custom binary's
// filters, predicates and data clients. The zero value of a field means
// its default; see package settings for every field and default.
type Options = settings.Options

// ConfigError is returned by Run when an option is unusable (a route file
// that does not parse, a default filter chain with a syntax error, a bad
// log level ...): the process should exit with a usage error rather than
// a runtime failure.
type ConfigError = settings.ConfigError
