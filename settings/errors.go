package settings

import "fmt"

// ConfigError is returned by Run when an option is unusable (a route file
// that does not parse, a default filter chain with a syntax error, a bad
// log level ...): the process should exit with a usage error rather than
// a runtime failure.
type ConfigError struct {
	Option string // the option or flag concerned
	Err    error
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s: %v", e.Option, e.Err) }
func (e *ConfigError) Unwrap() error { return e.Err }
