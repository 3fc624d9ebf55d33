package pipeline

import "fmt"

// Error names the Config field (by its flag name) that cannot be used.
type Error struct {
	Option string
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v", e.Option, e.Err) }
func (e *Error) Unwrap() error { return e.Err }
